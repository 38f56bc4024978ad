// `pgdump2s3 fly trigger` end to end: the binary against the fake Machines
// API, scripted per test (fake_machines_api.py).
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "fake_machines_api.h"
#include "support/process.h"

namespace pgdump2s3::testing {
namespace {

using nlohmann::json;

// Shaped like a macaroon token from `fly tokens create deploy`, which is
// sent as "FlyV1 <token>" (NOTES.md §1).
const std::string kToken = "fm2_lJPECAAAAAAAAtestTOKENvalueNEVERtoBEprinted";
const std::string kApp = "backup-worker";

json base_scenario() { return {{"apps", {kApp}}, {"authorization", "FlyV1 " + kToken}}; }

json scenario_with(const json& changes) {
  json s = base_scenario();
  s.update(changes);
  return s;
}

CommandOptions trigger_env(const FakeMachinesApi& fake) {
  CommandOptions o;
  o.env = {{"FLY_APP", kApp},
           {"FLY_API_TOKEN", kToken},
           {"FLY_MACHINES_API_URL", fake.url()},
           {"AWS_EC2_METADATA_DISABLED", "true"}};
  // Empty counts as unset (util/env.h, and CLI11 ignores an empty
  // variable); tests overwrite these.
  for (const char* name : {"FLY_REGION", "FLY_MACHINE_SIZE", "DOCKER_IMAGE", "FLY_VOLUME_SIZE",
                           "ENSURE_NO_VOLUMES_LEFT", "PG_DUMP_ARGS", "BACKUPS_TEMP_DIR", "AWS_ROLE_ARN",
                           "FLY_SCHEDULE", "FLY_SCHEDULE_REMOVE"}) {
    o.env[name] = "";
  }
  o.timeout_s = 120;
  return o;
}

CommandResult trigger(const CommandOptions& options) {
  return run_command({PGDUMP2S3_BINARY, "fly", "trigger"}, options);
}

// The token reaches neither stdout nor stderr, whatever happened.
void expect_no_token(const CommandResult& r) {
  EXPECT_EQ(r.out.find(kToken), std::string::npos) << r.out;
  EXPECT_EQ(r.err.find(kToken), std::string::npos) << r.err;
}

int count_lines_with(const std::string& text, const std::string& needle) {
  int n = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (text.substr(start, end - start).find(needle) != std::string::npos) ++n;
    start = end + 1;
  }
  return n;
}

std::string machine_state(const FakeMachinesApi& fake) {
  json machines = fake.state()["machines"];
  return machines.size() == 1 ? machines[0]["state"].get<std::string>() : "machines: " + machines.dump();
}

TEST(FlyTrigger, WorkerExitingZeroExitsZeroAndTheMachineIsDestroyed) {
  // auto_destroy would remove the machine a minute later: the trigger's own
  // DELETE must be what destroys it.
  FakeMachinesApi fake(scenario_with({{"auto_destroy_after_s", 60}}));
  CommandResult r = trigger(trigger_env(fake));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  json deletes = calls_matching(fake.calls(), "DELETE", "/machines/" + fake.state()["machines"][0]["id"].get<std::string>());
  ASSERT_EQ(deletes.size(), 1u) << fake.calls().dump();
  EXPECT_EQ(deletes[0]["query"]["force"][0], "true");
  EXPECT_EQ(deletes[0]["status"], 200);
  EXPECT_EQ(machine_state(fake), "destroyed");
  EXPECT_NE(r.err.find("fly logs --app backup-worker --instance"), std::string::npos) << r.err;
  expect_no_token(r);
}

TEST(FlyTrigger, CreateRequestCarriesTheDefaultsFieldByField) {
  FakeMachinesApi fake(base_scenario());
  CommandResult r = trigger(trigger_env(fake));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json creates = calls_matching(fake.calls(), "POST", "/v1/apps/backup-worker/machines");
  ASSERT_EQ(creates.size(), 1u);
  const json& body = creates[0]["body"];
  EXPECT_EQ(creates[0]["authorization"], "FlyV1 " + kToken);
  EXPECT_EQ(body["region"], "cdg");
  EXPECT_EQ(body["name"].get<std::string>().rfind("pgdump2s3-backup-", 0), 0u) << body.dump();
  EXPECT_FALSE(body.contains("skip_secrets")) << body.dump();
  const json& config = body["config"];
  EXPECT_EQ(config["image"], "registry.fly.io/backup-worker:latest");
  EXPECT_EQ(config["guest"], json({{"cpu_kind", "shared"}, {"cpus", 4}, {"memory_mb", 1024}}));
  EXPECT_EQ(config["auto_destroy"], true);
  EXPECT_EQ(config["restart"], json({{"policy", "no"}}));
  EXPECT_FALSE(config.contains("mounts")) << "no volume unless the directory format is asked for";
  EXPECT_FALSE(config.contains("env")) << config.dump();
  EXPECT_FALSE(config.contains("schedule"));
  EXPECT_EQ(config["metadata"]["pgdump2s3_role"], "trigger");
  expect_no_token(r);
}

TEST(FlyTrigger, CreateRequestFollowsTheOldVariables) {
  FakeMachinesApi fake(base_scenario());
  CommandOptions o = trigger_env(fake);
  o.env["FLY_REGION"] = "ewr";
  o.env["FLY_MACHINE_SIZE"] = "performance-2x";
  o.env["DOCKER_IMAGE"] = "ghcr.io/example/pgdump2s3:1";
  o.env["FLY_API_TOKEN"] = "FlyV1 " + kToken;  // pasted whole, scheme and all
  CommandResult r = trigger(o);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json creates = calls_matching(fake.calls(), "POST", "/v1/apps/backup-worker/machines");
  ASSERT_EQ(creates.size(), 1u);
  const json& body = creates[0]["body"];
  EXPECT_EQ(creates[0]["authorization"], "FlyV1 " + kToken);
  EXPECT_EQ(body["region"], "ewr");
  EXPECT_EQ(body["config"]["image"], "ghcr.io/example/pgdump2s3:1");
  EXPECT_EQ(body["config"]["guest"], json({{"cpu_kind", "performance"}, {"cpus", 2}, {"memory_mb", 4096}}));
  expect_no_token(r);
}

TEST(FlyTrigger, FlagsWinOverVariables) {
  FakeMachinesApi fake(base_scenario());
  CommandOptions o = trigger_env(fake);
  o.env["FLY_REGION"] = "ewr";
  CommandResult r = run_command({PGDUMP2S3_BINARY, "fly", "trigger", "--region", "ams", "--machine-size",
                                 "shared-cpu-1x"},
                                o);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json body = calls_matching(fake.calls(), "POST", "/v1/apps/backup-worker/machines")[0]["body"];
  EXPECT_EQ(body["region"], "ams");
  EXPECT_EQ(body["config"]["guest"], json({{"cpu_kind", "shared"}, {"cpus", 1}, {"memory_mb", 256}}));
}

TEST(FlyTrigger, WorkerExitingOneExitsOne) {
  FakeMachinesApi fake(scenario_with({{"exit_code", 1}}));
  CommandResult r = trigger(trigger_env(fake));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("exited with code 1"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("fly logs --app backup-worker --instance"), std::string::npos) << r.err;
  EXPECT_EQ(machine_state(fake), "destroyed");
  expect_no_token(r);
}

TEST(FlyTrigger, ExitCodeIsReadFromTheMonitorEventShapeToo) {
  FakeMachinesApi fake(scenario_with({{"exit_code", 3}, {"exit_event_shape", "MonitorEvent"}}));
  CommandResult r = trigger(trigger_env(fake));
  EXPECT_EQ(r.exit_code, 3) << r.err;
}

TEST(FlyTrigger, WaitsThatTimeOutAreRepeated) {
  // The first four waits answer 408 (not yet), as the API does after at most
  // 60 s; the worker itself needs a second.
  FakeMachinesApi fake(scenario_with({{"timeout_first_waits", 4}, {"run_s", 1.0}}));
  CommandResult r = trigger(trigger_env(fake));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  json waits = calls_matching(fake.calls(), "GET", "/wait");
  ASSERT_GT(waits.size(), 4u) << waits.dump();
  for (std::size_t i = 0; i < waits.size(); ++i) {
    const json& q = waits[i]["query"];
    int timeout = std::stoi(q["timeout"][0].get<std::string>());
    EXPECT_GE(timeout, 1);
    EXPECT_LE(timeout, 60) << "the API blocks for at most 60 s";
    if (q["state"][0] == "stopped") {
      EXPECT_FALSE(q["version"].empty()) << "a wait for stopped names the version";
    }
    if (i < 4) {
      EXPECT_EQ(waits[i]["status"], 408);
    }
  }
  EXPECT_EQ(machine_state(fake), "destroyed");
  expect_no_token(r);
}

TEST(FlyTrigger, RateLimitedCreateIsRetried) {
  json scenario = base_scenario();
  scenario["faults"] = {{{"method", "POST"},
                         {"path", "/v1/apps/backup-worker/machines"},
                         {"status", 429},
                         {"headers", {{"Retry-After", "0"}}},
                         {"body", {{"error", "rate limit exceeded"}}}}};
  FakeMachinesApi fake(scenario);
  CommandResult r = trigger(trigger_env(fake));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  json creates = calls_matching(fake.calls(), "POST", "/v1/apps/backup-worker/machines");
  ASSERT_EQ(creates.size(), 2u) << creates.dump();
  EXPECT_EQ(creates[0]["status"], 429);
  EXPECT_EQ(creates[1]["status"], 200);
  EXPECT_EQ(fake.state()["machines"].size(), 1u);
  EXPECT_NE(r.err.find("HTTP 429"), std::string::npos) << r.err;
}

TEST(FlyTrigger, ServerErrorsWhileReadingTheResultAreRetried) {
  json scenario = base_scenario();
  scenario["faults"] = {{{"method", "GET"}, {"path", ".*/events"}, {"status", 503}, {"times", 2}}};
  FakeMachinesApi fake(scenario);
  CommandResult r = trigger(trigger_env(fake));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(calls_matching(fake.calls(), "GET", "/events").size(), 3u);
}

TEST(FlyTrigger, LostCreateAnswerAdoptsTheMachineInsteadOfMakingTwo) {
  // The first create is carried out but its answer is lost (a 502 on the
  // way back); the retry meets the name it took (422 name_taken).
  json scenario = base_scenario();
  scenario["faults"] = {{{"method", "POST"},
                         {"path", "/v1/apps/backup-worker/machines"},
                         {"status", 502},
                         {"after_handling", true}}};
  FakeMachinesApi fake(scenario);
  CommandResult r = trigger(trigger_env(fake));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  json creates = calls_matching(fake.calls(), "POST", "/v1/apps/backup-worker/machines");
  ASSERT_EQ(creates.size(), 2u);
  EXPECT_EQ(creates[1]["status"], 422);
  EXPECT_EQ(fake.state()["machines"].size(), 1u) << "one machine, adopted";
  EXPECT_EQ(machine_state(fake), "destroyed");
}

TEST(FlyTrigger, BadTokenIsOneClearLineAndExit2) {
  json scenario = base_scenario();
  scenario["authorization"] = "FlyV1 fm2_some_other_token";
  FakeMachinesApi fake(scenario);
  CommandResult r = trigger(trigger_env(fake));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(count_lines_with(r.err, "error:"), 1) << r.err;
  EXPECT_NE(r.err.find("FLY_API_TOKEN"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("HTTP 401"), std::string::npos) << r.err;
  EXPECT_EQ(calls_matching(fake.calls(), "POST", "/machines").size(), 1u) << "401 is not retried";
  expect_no_token(r);
}

TEST(FlyTrigger, UnknownAppIsOneClearLineAndExit2) {
  FakeMachinesApi fake(base_scenario());
  CommandOptions o = trigger_env(fake);
  o.env["FLY_APP"] = "no-such-app";
  CommandResult r = trigger(o);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(count_lines_with(r.err, "error:"), 1) << r.err;
  EXPECT_NE(r.err.find("no-such-app"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("HTTP 404"), std::string::npos) << r.err;
  expect_no_token(r);
}

TEST(FlyTrigger, RefusedConfigIsOneClearLineAndExit2) {
  json scenario = base_scenario();
  scenario["faults"] = {{{"method", "POST"},
                         {"path", "/v1/apps/backup-worker/machines"},
                         {"status", 422},
                         {"body", {{"error", "image not found: registry.fly.io/backup-worker:latest"}}}}};
  FakeMachinesApi fake(scenario);
  CommandResult r = trigger(trigger_env(fake));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(count_lines_with(r.err, "error:"), 1) << r.err;
  EXPECT_NE(r.err.find("image not found"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("HTTP 422"), std::string::npos) << r.err;
}

TEST(FlyTrigger, SigintDuringTheWaitStopsAndDestroysTheMachine) {
  // The worker would run for a minute; each wait blocks for up to 30 s.
  FakeMachinesApi fake(scenario_with({{"run_s", 60}, {"wait_max_s", 30}}));
  TempDir dir;
  const std::string pid_file = dir.file("pid");
  CommandOptions o = trigger_env(fake);
  CommandResult r;
  // sh writes its pid and becomes the binary (exec keeps the pid).
  std::thread runner([&] {
    r = run_command({"sh", "-c", "echo $$ > \"$0\"; exec \"$1\" fly trigger", pid_file, PGDUMP2S3_BINARY}, o);
  });
  // Signal once a wait for `stopped` is being answered.
  bool waiting = false;
  for (int i = 0; i < 500 && !waiting; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    for (const json& c : calls_matching(fake.calls(), "GET", "/wait")) {
      if (c["query"]["state"][0] == "stopped" && !c.contains("status")) waiting = true;
    }
  }
  ASSERT_TRUE(waiting) << fake.calls().dump();
  int pid = std::stoi(read_file(pid_file));
  kill(pid, SIGINT);
  runner.join();

  EXPECT_EQ(r.exit_code, 128 + SIGINT) << r.err;
  json calls = fake.calls();
  json stops = calls_matching(calls, "POST", "/stop");
  ASSERT_EQ(stops.size(), 1u) << "the worker is asked to stop (and abort its upload) first";
  EXPECT_EQ(stops[0]["body"]["signal"], "SIGTERM");
  json deletes = calls_matching(calls, "DELETE", "/machines/" + fake.state()["machines"][0]["id"].get<std::string>());
  ASSERT_EQ(deletes.size(), 1u) << calls.dump();
  EXPECT_EQ(deletes[0]["query"]["force"][0], "true");
  EXPECT_EQ(machine_state(fake), "destroyed");
  expect_no_token(r);
}

TEST(FlyTrigger, LeftoverVolumeWithEnsureNoVolumesLeftFails) {
  json scenario = base_scenario();
  scenario["volumes"] = {{{"id", "vol_leftover0000001"}, {"name", "temp_data"}, {"region", "cdg"}}};
  FakeMachinesApi fake(scenario);
  CommandOptions o = trigger_env(fake);
  o.env["ENSURE_NO_VOLUMES_LEFT"] = "true";
  CommandResult r = trigger(o);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("vol_leftover0000001"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("fly volumes destroy"), std::string::npos) << r.err;
}

TEST(FlyTrigger, LeftoverVolumeWithoutEnsureOnlyWarns) {
  json scenario = base_scenario();
  scenario["volumes"] = {{{"id", "vol_leftover0000001"}, {"name", "temp_data"}, {"region", "cdg"}}};
  FakeMachinesApi fake(scenario);
  CommandResult r = trigger(trigger_env(fake));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("warning:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("vol_leftover0000001"), std::string::npos) << r.err;
}

TEST(FlyTrigger, VolumesAlreadyGoingAwayDoNotCountAsLeft) {
  json scenario = base_scenario();
  scenario["volumes"] = {{{"id", "vol_goingaway000001"}, {"name", "temp_data"}, {"state", "pending_destroy"}}};
  FakeMachinesApi fake(scenario);
  CommandOptions o = trigger_env(fake);
  o.env["ENSURE_NO_VOLUMES_LEFT"] = "true";
  CommandResult r = trigger(o);
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(FlyTrigger, DirectoryFormatGetsAVolumeThatIsDeletedAfterwards) {
  FakeMachinesApi fake(base_scenario());
  CommandOptions o = trigger_env(fake);
  o.env["PG_DUMP_ARGS"] = "--no-owner --jobs=4 --format=directory --compress=0";
  o.env["FLY_VOLUME_SIZE"] = "5";
  o.env["ENSURE_NO_VOLUMES_LEFT"] = "true";
  CommandResult r = trigger(o);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  json calls = fake.calls();
  json volume_creates = calls_matching(calls, "POST", "/v1/apps/backup-worker/volumes");
  ASSERT_EQ(volume_creates.size(), 1u);
  EXPECT_EQ(volume_creates[0]["body"]["size_gb"], 5);
  EXPECT_EQ(volume_creates[0]["body"]["region"], "cdg");
  std::string volume_id = fake.state()["volumes"][0]["id"];
  json config = calls_matching(calls, "POST", "/v1/apps/backup-worker/machines")[0]["body"]["config"];
  EXPECT_EQ(config["mounts"], json::array({{{"volume", volume_id}, {"path", "/tmp/db-backups"}}}));
  EXPECT_EQ(config["env"]["PG_DUMP_ARGS"], o.env["PG_DUMP_ARGS"]);
  json volume_deletes = calls_matching(calls, "DELETE", "/volumes/" + volume_id);
  ASSERT_EQ(volume_deletes.size(), 1u);
  EXPECT_EQ(volume_deletes[0]["status"], 200);
}

TEST(FlyTrigger, QuickExitTakenByAutoDestroyStillReportsTheExitCode) {
  // The worker is done and its machine destroyed and forgotten before the
  // first wait: wait answers 404 (NOTES.md §4); the events are read from
  // List Machines with include_deleted.
  FakeMachinesApi fake(scenario_with({{"start_s", 0},
                                                     {"run_s", 0},
                                                     {"auto_destroy_after_s", 0},
                                                     {"forget_destroyed_after_s", 0},
                                                     {"exit_code", 4}}));
  CommandResult r = trigger(trigger_env(fake));
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_EQ(calls_matching(fake.calls(), "GET", "/wait")[0]["status"], 404);
}

TEST(FlyTrigger, ExitCodeGoneWithTheMachineCountsAsFailure) {
  FakeMachinesApi fake(scenario_with({{"start_s", 0},
                                                     {"run_s", 0},
                                                     {"auto_destroy_after_s", 0},
                                                     {"forget_destroyed_after_s", 0},
                                                     {"list_deleted", false}}));
  CommandResult r = trigger(trigger_env(fake));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("no exit event"), std::string::npos) << r.err;
}

TEST(FlyTrigger, MissingAppIsAConfigurationError) {
  FakeMachinesApi fake(base_scenario());
  CommandOptions o = trigger_env(fake);
  o.env["FLY_APP"] = "";
  CommandResult r = trigger(o);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("FLY_APP"), std::string::npos) << r.err;
  EXPECT_TRUE(fake.calls().empty());
}

TEST(FlyTriggerScript, OldScriptRunsTheTriggerWithItsDefaults) {
  FakeMachinesApi fake(base_scenario());
  CommandOptions o = trigger_env(fake);
  const std::string bin_dir = std::filesystem::path(PGDUMP2S3_BINARY).parent_path().string();
  o.env["PATH"] = bin_dir + ":" + std::string(std::getenv("PATH"));
  CommandResult r = run_command({std::string(PGDUMP2S3_SOURCE_DIR) + "/trigger-backup.sh"}, o);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  json body = calls_matching(fake.calls(), "POST", "/v1/apps/backup-worker/machines")[0]["body"];
  EXPECT_EQ(body["region"], "cdg");
  EXPECT_EQ(body["config"]["guest"]["cpus"], 4);
  expect_no_token(r);
}

TEST(FlyTriggerScript, OldScriptFailsWhenTheBackupFails) {
  FakeMachinesApi fake(scenario_with({{"exit_code", 1}}));
  CommandOptions o = trigger_env(fake);
  const std::string bin_dir = std::filesystem::path(PGDUMP2S3_BINARY).parent_path().string();
  o.env["PATH"] = bin_dir + ":" + std::string(std::getenv("PATH"));
  CommandResult r = run_command({std::string(PGDUMP2S3_SOURCE_DIR) + "/trigger-backup.sh"}, o);
  EXPECT_EQ(r.exit_code, 1) << r.err;
}

}  // namespace
}  // namespace pgdump2s3::testing
