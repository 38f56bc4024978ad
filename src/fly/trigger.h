// `pgdump2s3 fly trigger`: run one backup on a throwaway Fly machine and exit
// with its result. The successor of the old trigger-backup.sh, which slept
// 15 s between steps and always reported success.
#pragma once

#include <chrono>

#include "fly/fly_settings.h"
#include "fly/machines_api.h"

namespace pgdump2s3::fly {

struct TriggerTiming {
  // Each wait call blocks at most this long (the API's limit is 60 s); a
  // signal ends a wait early, so longer slices only mean fewer calls.
  int wait_slice_s = 60;
  // Image pull and boot; a machine not started by then is destroyed.
  std::chrono::seconds start_limit{10 * 60};
  // After Ctrl-C/SIGTERM: how long the worker may take to abort its upload
  // after the stop request before the machine is destroyed by force.
  int stop_grace_s = 45;
  // How long to wait for the destroyed machine to let go of its volume.
  std::chrono::seconds detach_limit{2 * 60};
  // How often a long backup says it is still running.
  std::chrono::seconds progress_every{5 * 60};
};

// Creates the volume (directory format only) and the machine, waits for it
// to start and then to stop with bounded waits, reads the worker's exit code
// from the machine's events, and destroys the machine and the volume in
// every case, also after SIGINT/SIGTERM (util/shutdown_signal.h). Returns
// the worker's exit code; 128 + signal when interrupted; 1 when the exit
// code cannot be read, cleanup failed, or (ENSURE_NO_VOLUMES_LEFT=true)
// volumes are left. API errors throw ConfigError/RuntimeError after cleanup.
int run_trigger(const FlySettings& settings, MachinesApi& api, const TriggerTiming& timing = {});

}  // namespace pgdump2s3::fly
