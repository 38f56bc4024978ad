#include "fly/worker_machine.h"

#include <array>
#include <cstdio>
#include <ctime>

namespace pgdump2s3::fly {
namespace {

constexpr std::string_view kScheduledMachineName = "pgdump2s3-scheduled-backup";
constexpr std::string_view kVolumeName = "pgdump2s3_temp";

nlohmann::json guest_json(const GuestPreset& guest) {
  nlohmann::json j = {{"cpu_kind", guest.cpu_kind}, {"cpus", guest.cpus}, {"memory_mb", guest.memory_mb}};
  if (!guest.gpu_kind.empty()) {
    j["gpu_kind"] = guest.gpu_kind;
    j["gpus"] = guest.gpus;
  }
  return j;
}

// What every worker machine shares, one-shot or scheduled.
nlohmann::json base_config(const FlySettings& s, std::string_view role) {
  nlohmann::json config = {
      {"image", s.image},
      {"guest", guest_json(s.guest)},
      {"restart", {{"policy", "no"}}},
      {"metadata", {{std::string(kRoleMetadataKey), role}}},
      // A stopped worker aborts its multipart upload before it exits
      // (DESIGN.md "Commit or nothing"); Fly's default grace before SIGKILL
      // is 5 s, short for an abort that retries.
      {"stop_config", {{"signal", "SIGTERM"}, {"timeout", "30s"}}},
  };
  if (!s.worker_env.empty()) config["env"] = s.worker_env;
  return config;
}

}  // namespace

bool is_fly_schedule(std::string_view every) {
  constexpr std::array<std::string_view, 4> kSchedules = {"hourly", "daily", "weekly", "monthly"};
  for (std::string_view s : kSchedules) {
    if (s == every) return true;
  }
  return false;
}

std::string worker_machine_name(std::chrono::system_clock::time_point now, unsigned random) {
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dt%H%M%S", &tm);
  char suffix[8];
  std::snprintf(suffix, sizeof suffix, "%04x", random & 0xffffu);
  return std::string("pgdump2s3-backup-") + stamp + "-" + suffix;
}

nlohmann::json worker_volume_request(const FlySettings& s) {
  return {{"name", kVolumeName}, {"region", s.region}, {"size_gb", s.volume_size_gb}};
}

nlohmann::json worker_machine_request(const FlySettings& s, const std::string& name,
                                      const std::string& volume_id) {
  nlohmann::json config = base_config(s, kTriggerRole);
  config["auto_destroy"] = true;
  if (!volume_id.empty()) {
    config["mounts"] = nlohmann::json::array({{{"volume", volume_id}, {"path", s.temp_dir}}});
  }
  return {{"name", name}, {"region", s.region}, {"config", config}};
}

nlohmann::json scheduled_machine_request(const FlySettings& s, std::string_view every) {
  nlohmann::json config = base_config(s, kScheduleRole);
  config["schedule"] = every;
  return {{"name", kScheduledMachineName}, {"region", s.region}, {"config", config}};
}

}  // namespace pgdump2s3::fly
