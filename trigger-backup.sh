#!/usr/bin/env bash
# Runs one backup on a throwaway Fly machine, as fly-pg-dump-to-s3's
# trigger-backup.sh did, with the same variables:
#
#   FLY_APP                 (required) the backup worker's Fly app
#   FLY_API_TOKEN           (required) a Fly token (deploy token or org token)
#   FLY_REGION              region of the worker machine, default cdg
#   FLY_MACHINE_SIZE        machine size, default shared-cpu-4x
#   FLY_VOLUME_SIZE         GB of temporary volume, default 3; a volume is
#                           made only when PG_DUMP_ARGS asks for
#                           --format=directory (the other formats stream)
#   DOCKER_IMAGE            worker image, default registry.fly.io/$FLY_APP:latest
#   ENSURE_NO_VOLUMES_LEFT  true: fail when the app still holds volumes after
#                           the run (default false: a warning only)
#
# Unlike the old script it waits for the backup without fixed sleeps, exits
# with the backup's own exit code, and destroys the machine (and volume) also
# on failure or Ctrl-C. It is a thin wrapper: `pgdump2s3 fly trigger` does
# the work and reads the same variables. PGDUMP2S3 names the binary when it
# is not on PATH.
set -euo pipefail

pgdump2s3=${PGDUMP2S3:-pgdump2s3}
if ! command -v "$pgdump2s3" >/dev/null 2>&1; then
  echo "trigger-backup.sh: error: $pgdump2s3 not found; put pgdump2s3 on PATH or set PGDUMP2S3" >&2
  exit 2
fi
: "${FLY_APP:?trigger-backup.sh: FLY_APP is required (the backup worker app)}"
: "${FLY_API_TOKEN:?trigger-backup.sh: FLY_API_TOKEN is required}"
export FLY_APP FLY_API_TOKEN
export FLY_REGION=${FLY_REGION:-cdg}
export FLY_MACHINE_SIZE=${FLY_MACHINE_SIZE:-shared-cpu-4x}

exec "$pgdump2s3" fly trigger "$@"
