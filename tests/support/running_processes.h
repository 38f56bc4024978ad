// The processes running now, read from /proc the way `ps` shows them: what a
// test checks to prove a secret is in no argv, or that nothing was left
// running after a failure.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace pgdump2s3::testing {

struct RunningProcess {
  pid_t pid = 0;
  pid_t parent = 0;
  std::string name;                // /proc/PID/comm: "pg_dump"
  std::vector<std::string> argv;   // /proc/PID/cmdline
  std::string command_line() const;  // argv joined by spaces
};

// Every process readable now (those that exit while being read are skipped).
std::vector<RunningProcess> running_processes();

// The running processes whose command line contains `text`.
std::vector<RunningProcess> processes_mentioning(const std::string& text);

}  // namespace pgdump2s3::testing
