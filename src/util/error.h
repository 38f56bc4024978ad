// Errors a person can act on (STYLE.md habit 7): one line saying what failed,
// where, why and what to check. Secrets never go into the text.
#pragma once

#include <stdexcept>
#include <string>

namespace pgdump2s3 {

// Process exit codes, documented in --help and the README.
enum ExitCode : int {
  kExitOk = 0,
  kExitBackupFailed = 1,   // the work was attempted and failed
  kExitUsage = 2,          // bad flags, bad configuration, nothing was done
  kExitPartialFailure = 3, // some of several configurations failed
};

// An error the user caused or can fix (bad flag, bad variable, missing
// credentials). Reported as one line, exit code 2, before any upload.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A failure while doing the work (network, S3, pg_dump). Exit code 1.
class RuntimeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace pgdump2s3
