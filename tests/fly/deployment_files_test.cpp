// The files that deploy the worker, checked where no Docker engine, Fly or
// GitHub runs: the Dockerfile against the build (docker/check-dockerfile),
// fly.toml and the reusable workflow by their parsed content.
#include <gtest/gtest.h>

#include <string>

#include "support/process.h"

namespace pgdump2s3::testing {
namespace {

const std::string kRepo = PGDUMP2S3_SOURCE_DIR;

TEST(DeploymentFiles, DockerfileInstallsWhatTheBuildAndTheBinaryNeed) {
  CommandResult r = run_command({"python3", kRepo + "/docker/check-dockerfile", "--binary", PGDUMP2S3_BINARY});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("0 problem(s)"), std::string::npos) << r.out;
}

TEST(DeploymentFiles, FlyTomlIsAWorkerThatServesAndKeepsNothing) {
  const std::string check = R"(
import sys, tomllib
c = tomllib.load(open(sys.argv[1], "rb"))
problems = []
for key in ("services", "http_service", "mounts", "processes"):
    if key in c: problems.append("has " + key)
if [r.get("policy") for r in c.get("restart", [])] != ["never"]: problems.append("restart policy is not never")
if c.get("build", {}).get("dockerfile") != "docker/Dockerfile": problems.append("does not build docker/Dockerfile")
if c.get("primary_region") != "cdg": problems.append("primary_region is not the old default cdg")
print("; ".join(problems) or "ok")
)";
  CommandResult r = run_command({"python3", "-c", check, kRepo + "/fly.toml"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "ok\n");
}

TEST(DeploymentFiles, WorkflowIsReusableWithTheOldInputsAndRunsTheTrigger) {
  const std::string check = R"(
import sys, yaml
w = yaml.safe_load(open(sys.argv[1]))
call = w[True]["workflow_call"]  # YAML 1.1 reads the key `on` as true
problems = []
for name in ("fly-app", "volume-size", "machine-size", "region", "docker-image"):
    if name not in call["inputs"]: problems.append("no input " + name)
if "FLY_API_TOKEN" not in call["secrets"]: problems.append("no secret FLY_API_TOKEN")
if call["inputs"]["region"].get("default") != "cdg": problems.append("region default is not cdg")
if call["inputs"]["machine-size"].get("default") != "shared-cpu-4x": problems.append("size default")
steps = [s.get("run", "") for job in w["jobs"].values() for s in job["steps"]]
if not any("fly trigger" in s and "docker run" in s for s in steps): problems.append("no docker run ... fly trigger")
if any("${{ secrets" in s for s in steps): problems.append("a secret is expanded into a command line")
print("; ".join(problems) or "ok")
)";
  CommandResult r = run_command({"python3", "-c", check, kRepo + "/.github/workflows/trigger-backup.yaml"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "ok\n");
}

}  // namespace
}  // namespace pgdump2s3::testing
