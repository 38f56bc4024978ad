#include "fly/schedule.h"

#include <vector>

#include "fly/worker_machine.h"
#include "util/error.h"
#include "util/log.h"

namespace pgdump2s3::fly {
namespace {

std::vector<nlohmann::json> scheduled_machines(MachinesApi& api) {
  std::vector<nlohmann::json> found;
  for (const nlohmann::json& m : api.list_machines(false)) {
    const nlohmann::json* config = m.contains("config") && m["config"].is_object() ? &m["config"] : nullptr;
    if (config == nullptr || !config->contains("metadata") || !(*config)["metadata"].is_object()) continue;
    if ((*config)["metadata"].value(std::string(kRoleMetadataKey), "") == kScheduleRole) found.push_back(m);
  }
  return found;
}

}  // namespace

int schedule_backups(const FlySettings& s, MachinesApi& api, const std::string& every) {
  if (!is_fly_schedule(every)) {
    throw ConfigError("--every '" + every + "' is not a Fly schedule: use hourly, daily, weekly or monthly");
  }
  if (s.needs_volume) {
    // A scheduled machine lives on between runs, and so would its volume,
    // billed all the time: the streaming formats need no disk.
    throw ConfigError("PG_DUMP_ARGS asks for the directory format, which needs a volume: a scheduled machine "
                      "would keep it (and pay for it) between runs; use a streaming format, or `fly trigger` "
                      "from a scheduler");
  }
  nlohmann::json request = scheduled_machine_request(s, every);
  std::vector<nlohmann::json> existing = scheduled_machines(api);
  for (std::size_t i = 1; i < existing.size(); ++i) {
    log::warn("app " + s.api.app + " has another scheduled backup machine, " + existing[i].value("id", "?") +
              "; `pgdump2s3 fly schedule --remove` removes them all");
  }
  if (existing.empty() || existing.front().value("region", "") != s.region) {
    if (!existing.empty()) {
      // A machine cannot move to another region: replace it.
      api.destroy_machine(existing.front().value("id", ""));
    }
    nlohmann::json machine = api.create_machine(request);
    log::info("scheduled backup machine " + machine.value("id", "?") + " created in app " + s.api.app + " (" +
              s.region + ", " + std::string(s.guest.name) + "): Fly starts it " + every +
              ", and now for a first run; its log: `fly logs --app " + s.api.app + "`");
    return kExitOk;
  }
  const nlohmann::json& current = existing.front();
  const std::string id = current.value("id", "");
  if (current.value("state", "") == "started") {
    throw RuntimeError("scheduled backup machine " + id + " is running a backup now, and an update would "
                       "restart it: try again when it has finished");
  }
  request.erase("name");
  request.erase("region");
  // Keep a stopped machine stopped: a schedule change is not a backup.
  request["skip_launch"] = true;
  api.update_machine(id, request);
  log::info("scheduled backup machine " + id + " in app " + s.api.app + " updated: Fly starts it " + every);
  return kExitOk;
}

int remove_scheduled_backups(MachinesApi& api) {
  std::vector<nlohmann::json> existing = scheduled_machines(api);
  if (existing.empty()) {
    log::info("app " + api.app() + " has no scheduled backup machine");
    return kExitOk;
  }
  for (const nlohmann::json& m : existing) {
    const std::string id = m.value("id", "");
    api.destroy_machine(id);
    log::info("scheduled backup machine " + id + " destroyed");
  }
  return kExitOk;
}

}  // namespace pgdump2s3::fly
