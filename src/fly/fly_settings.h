// What `pgdump2s3 fly trigger` and `fly schedule` need, read from the
// environment under the old trigger-backup.sh names (DESIGN.md,
// "Configuration contract"); the CLI copies its flags into the environment
// snapshot first, so a flag wins over its variable.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "fly/guest_presets.h"
#include "fly/machines_api.h"
#include "util/env.h"

namespace pgdump2s3::fly {

struct FlySettings {
  ApiSettings api;                  // FLY_MACHINES_API_URL, FLY_APP, FLY_API_TOKEN
  std::string region = "cdg";       // FLY_REGION
  GuestPreset guest;                // FLY_MACHINE_SIZE, default shared-cpu-4x
  // DOCKER_IMAGE; by default the image `fly deploy --build-only --push
  // --image-label latest` publishes for the app: registry.fly.io/APP:latest.
  std::string image;
  int volume_size_gb = 3;           // FLY_VOLUME_SIZE
  bool ensure_no_volumes_left = false;  // ENSURE_NO_VOLUMES_LEFT
  // PG_DUMP_ARGS asks for pg_dump's directory format, which is spooled to
  // disk: the worker then gets a volume mounted at temp_dir. Every other
  // format streams and needs none.
  bool needs_volume = false;
  std::string temp_dir = "/tmp/db-backups";  // BACKUPS_TEMP_DIR
  // Variables the worker gets in config.env on top of the app's secrets
  // (which reach it by Fly's own doing): PG_DUMP_ARGS, BACKUPS_TEMP_DIR and
  // AWS_ROLE_ARN when they are set here (Fly's init acts on AWS_ROLE_ARN in
  // the machine's env for OIDC, NOTES.md §9).
  std::map<std::string, std::string> worker_env;
};

// Checks every variable; each problem is a ConfigError naming it.
FlySettings fly_settings_from(const Environment& env);

// Whether pg_dump arguments select the directory format: --format=directory,
// --format=d, --format d, -Fd, -F d (pg_dump takes the last -F it is given).
bool dumps_to_directory(std::string_view pg_dump_args);

}  // namespace pgdump2s3::fly
