// The Machines API request bodies for the backup worker (OpenAPI
// CreateMachineRequest / fly.MachineConfig / CreateVolumeRequest): pure
// functions of the settings, so that tests can check them field by field.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <string_view>

#include "fly/fly_settings.h"

namespace pgdump2s3::fly {

// config.metadata key that marks the machines pgdump2s3 made, with the value
// kTriggerRole or kScheduleRole; `fly schedule` finds its machine by it.
inline constexpr std::string_view kRoleMetadataKey = "pgdump2s3_role";
inline constexpr std::string_view kTriggerRole = "trigger";
inline constexpr std::string_view kScheduleRole = "schedule";

// The schedules Fly's scheduler knows (config.schedule; `fly machine run
// --schedule`): it starts the machine once in each such period.
bool is_fly_schedule(std::string_view every);

// A unique machine name, "pgdump2s3-backup-20240101t120000-1a2b": unique so
// that a create retried after a lost answer is recognised (name_taken).
std::string worker_machine_name(std::chrono::system_clock::time_point now, unsigned random);

// The temporary volume for directory-format dumps (names: lower-case
// letters, digits and underscores).
nlohmann::json worker_volume_request(const FlySettings& settings);

// The one-shot worker: the image's default command (`backup`) with the app's
// secrets, the size's guest, restart policy "no" (a failed dump is reported,
// not retried: Fly's default for a machine without a policy is on-failure,
// which would rerun it), auto_destroy so that it goes away by itself even if
// the trigger dies, and the volume mounted at BACKUPS_TEMP_DIR when
// `volume_id` is not empty. No skip_secrets: the app's secrets carry
// DATABASE_URL, S3_DESTINATION and the AWS keys.
nlohmann::json worker_machine_request(const FlySettings& settings, const std::string& name,
                                      const std::string& volume_id);

// The machine Fly wakes on a schedule: the same worker without auto_destroy
// (it must outlive each run), with config.schedule = `every`.
nlohmann::json scheduled_machine_request(const FlySettings& settings, std::string_view every);

}  // namespace pgdump2s3::fly
