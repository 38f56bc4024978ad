// The request bodies, field by field, against the OpenAPI schemas
// (CreateMachineRequest, fly.MachineConfig, CreateVolumeRequest).
#include <gtest/gtest.h>

#include <regex>

#include "fly/worker_machine.h"

namespace pgdump2s3::fly {
namespace {

using nlohmann::json;

FlySettings settings() {
  return fly_settings_from(Environment({{"FLY_APP", "db-backup"}, {"FLY_API_TOKEN", "fm2_secret"}}));
}

TEST(WorkerMachine, OneShotWorkerRequest) {
  json r = worker_machine_request(settings(), "pgdump2s3-backup-x", "");
  EXPECT_EQ(r["name"], "pgdump2s3-backup-x");
  EXPECT_EQ(r["region"], "cdg");
  EXPECT_FALSE(r.contains("skip_secrets")) << "the app's secrets must reach the worker";
  EXPECT_FALSE(r.contains("skip_launch"));
  const json& c = r["config"];
  EXPECT_EQ(c["image"], "registry.fly.io/db-backup:latest");
  EXPECT_EQ(c["guest"], json({{"cpu_kind", "shared"}, {"cpus", 4}, {"memory_mb", 1024}}));
  EXPECT_EQ(c["auto_destroy"], true);
  EXPECT_EQ(c["restart"], json({{"policy", "no"}}));
  EXPECT_EQ(c["metadata"], json({{"pgdump2s3_role", "trigger"}}));
  EXPECT_EQ(c["stop_config"]["signal"], "SIGTERM");
  EXPECT_FALSE(c.contains("size")) << "deprecated in favour of guest";
  EXPECT_FALSE(c.contains("mounts"));
  EXPECT_FALSE(c.contains("services")) << "a worker serves nothing";
  EXPECT_FALSE(c.contains("init")) << "the image's CMD (backup) runs";
}

TEST(WorkerMachine, DirectoryFormatMountsTheVolumeAtTheTempDir) {
  FlySettings s = settings();
  s.temp_dir = "/data";
  json c = worker_machine_request(s, "n", "vol_123")["config"];
  EXPECT_EQ(c["mounts"], json::array({{{"volume", "vol_123"}, {"path", "/data"}}}));
  json v = worker_volume_request(s);
  EXPECT_EQ(v["size_gb"], 3);
  EXPECT_EQ(v["region"], "cdg");
  EXPECT_TRUE(std::regex_match(v["name"].get<std::string>(), std::regex("[a-z0-9_]{1,30}"))) << v.dump();
}

TEST(WorkerMachine, GpuSizesCarryTheirGpu) {
  FlySettings s = settings();
  s.guest = *find_guest_preset("a10");
  json guest = worker_machine_request(s, "n", "")["config"]["guest"];
  EXPECT_EQ(guest["gpu_kind"], "a10");
  EXPECT_EQ(guest["gpus"], 1);
}

TEST(WorkerMachine, ScheduledMachineOutlivesItsRuns) {
  json r = scheduled_machine_request(settings(), "weekly");
  EXPECT_EQ(r["config"]["schedule"], "weekly");
  EXPECT_FALSE(r["config"].contains("auto_destroy"));
  EXPECT_EQ(r["config"]["restart"], json({{"policy", "no"}}));
  EXPECT_EQ(r["config"]["metadata"], json({{"pgdump2s3_role", "schedule"}}));
  for (const char* every : {"hourly", "daily", "weekly", "monthly"}) EXPECT_TRUE(is_fly_schedule(every));
  EXPECT_FALSE(is_fly_schedule("yearly"));
  EXPECT_FALSE(is_fly_schedule("0 5 * * *"));
}

TEST(WorkerMachine, NamesAreUniqueAndReadable) {
  auto t = std::chrono::system_clock::from_time_t(1704110400);  // 2024-01-01T12:00:00Z
  EXPECT_EQ(worker_machine_name(t, 0x1a2b), "pgdump2s3-backup-20240101t120000-1a2b");
  EXPECT_NE(worker_machine_name(t, 1), worker_machine_name(t, 2));
}

}  // namespace
}  // namespace pgdump2s3::fly
