// `pgdump2s3 fly schedule` end to end against the fake Machines API.
#include <gtest/gtest.h>

#include "fake_machines_api.h"
#include "support/process.h"

namespace pgdump2s3::testing {
namespace {

using nlohmann::json;

const std::string kToken = "fm2_scheduleTOKENneverPRINTED";

CommandResult schedule(const FakeMachinesApi& fake, std::vector<std::string> args) {
  CommandOptions o;
  o.env = {{"FLY_APP", "backup-worker"}, {"FLY_API_TOKEN", kToken}, {"FLY_MACHINES_API_URL", fake.url()},
           {"FLY_REGION", ""}, {"FLY_MACHINE_SIZE", ""}, {"DOCKER_IMAGE", ""}, {"PG_DUMP_ARGS", ""},
           {"FLY_SCHEDULE", ""}, {"FLY_SCHEDULE_REMOVE", ""}, {"AWS_ROLE_ARN", ""}, {"BACKUPS_TEMP_DIR", ""}};
  o.timeout_s = 60;
  std::vector<std::string> argv = {PGDUMP2S3_BINARY, "fly", "schedule"};
  argv.insert(argv.end(), args.begin(), args.end());
  CommandResult r = run_command(argv, o);
  EXPECT_EQ(r.err.find(kToken), std::string::npos) << r.err;
  return r;
}

json live_machines(const FakeMachinesApi& fake) {
  json out = json::array();
  json machines = fake.state()["machines"];
  for (const json& m : machines) {
    if (m["state"] != "destroyed") out.push_back(m);
  }
  return out;
}

TEST(FlySchedule, CreatesThenUpdatesThenRemovesOneMachine) {
  // The first run Fly starts at creation ends at once.
  FakeMachinesApi fake({{"apps", {"backup-worker"}}, {"authorization", "FlyV1 " + kToken}, {"start_s", 0}, {"run_s", 0}});

  CommandResult created = schedule(fake, {"--every", "daily"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  json machines = live_machines(fake);
  ASSERT_EQ(machines.size(), 1u);
  EXPECT_EQ(machines[0]["config"]["schedule"], "daily");
  EXPECT_FALSE(machines[0]["config"].contains("auto_destroy"));
  EXPECT_EQ(machines[0]["config"]["restart"]["policy"], "no");
  EXPECT_EQ(machines[0]["region"], "cdg");
  const std::string id = machines[0]["id"];

  CommandResult updated = schedule(fake, {"--every", "weekly"});
  ASSERT_EQ(updated.exit_code, 0) << updated.err;
  machines = live_machines(fake);
  ASSERT_EQ(machines.size(), 1u) << "updated, not added";
  EXPECT_EQ(machines[0]["id"], id);
  EXPECT_EQ(machines[0]["config"]["schedule"], "weekly");
  json updates = calls_matching(fake.calls(), "POST", "/machines/" + id);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0]["body"]["skip_launch"], true);

  CommandResult removed = schedule(fake, {"--remove"});
  ASSERT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_TRUE(live_machines(fake).empty());
  EXPECT_EQ(calls_matching(fake.calls(), "DELETE", "/machines/" + id).size(), 1u);
}

TEST(FlySchedule, RemovingWhenThereIsNoneIsFine) {
  FakeMachinesApi fake({{"apps", {"backup-worker"}}, {"authorization", "FlyV1 " + kToken}});
  CommandResult r = schedule(fake, {"--remove"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("no scheduled backup machine"), std::string::npos) << r.err;
}

TEST(FlySchedule, AnUnknownScheduleIsAUsageError) {
  FakeMachinesApi fake({{"apps", {"backup-worker"}}, {"authorization", "FlyV1 " + kToken}});
  CommandResult r = schedule(fake, {"--every", "yearly"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  CommandResult none = schedule(fake, {});
  EXPECT_EQ(none.exit_code, 2) << none.err;
  EXPECT_NE(none.err.find("--every"), std::string::npos) << none.err;
  EXPECT_TRUE(fake.calls().empty());
}

}  // namespace
}  // namespace pgdump2s3::testing
