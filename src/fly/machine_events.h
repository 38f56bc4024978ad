// How the worker ended, read from a machine's events (NOTES.md §5).
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace pgdump2s3::fly {

struct WorkerExit {
  int exit_code = 0;       // the main process's exit code
  int signal = -1;         // the signal that ended it, -1 for none
  bool oom_killed = false; // the kernel's OOM killer ended it
  bool requested_stop = false;  // ended by a stop request (ours after Ctrl-C)

  // What the trigger exits with: the code, or 128 + signal (the shell's
  // convention) when a signal ended the worker without one.
  int process_exit_code() const;
  // "exited with code 1", "was killed by the OOM killer (signal 9)".
  std::string describe() const;
};

// The exit of the latest run: the newest "exit" event that is not older than
// the newest "start" event, as flyctl reads a release command's result.
// Events come newest first (GET .../events). The exit code is in
// request.exit_event.exit_code (DOCS reference/machines/_get.erb) or, in
// newer events, request.MonitorEvent.exit_event.exit_code (fly-go
// MachineRequest.GetExitCode prefers the latter). nullopt when there is none.
std::optional<WorkerExit> find_worker_exit(const nlohmann::json& events);

}  // namespace pgdump2s3::fly
