// Runs a command for a test (the pgdump2s3 binary, the AWS CLI, gzip,
// pg_restore, psql) and captures what it printed.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace pgdump2s3::testing {

struct CommandResult {
  int exit_code = -1;      // -1 when killed by a signal (see signal)
  int signal = 0;
  std::string out;         // stdout
  std::string err;         // stderr
};

struct CommandOptions {
  // The test's own environment without unset_env, then env set on top (a
  // variable in both is set: a test can unset a family and set some back).
  std::map<std::string, std::string> env;
  std::vector<std::string> unset_env;
  std::string stdin_data;
  std::string stdout_file;  // when set, stdout goes to this file instead of `out`
  int timeout_s = 300;      // killed (SIGKILL) after this long; exit_code -1
};

// "exit 1 signal 0" and both outputs, for assertion messages.
std::string describe(const CommandResult& r);

// argv[0] is looked up in PATH. Never goes through a shell.
CommandResult run_command(const std::vector<std::string>& argv, const CommandOptions& options = {});

// A long-running helper a test starts (a fake server): its stdout is a pipe
// the test reads lines from (e.g. the port it listens on); its stderr goes to
// the test's. It runs in its own process group, which is killed (SIGTERM,
// then SIGKILL after 5 s) and reaped when the object dies. Of `options`,
// only env and unset_env apply.
class BackgroundProcess {
 public:
  explicit BackgroundProcess(const std::vector<std::string>& argv, const CommandOptions& options = {});
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;
  // The next line of its stdout, without the newline. Throws when it exits
  // or prints no whole line within timeout_s.
  std::string read_line(int timeout_s = 30);

 private:
  int pid_ = -1;
  int stdout_fd_ = -1;
  std::string pending_;  // read but not yet returned
};

// `aws` with the endpoint and keys of an S3 service and no config files, so
// nothing outside the test reaches it (AWS_EC2_METADATA_DISABLED=true).
struct S3Service;  // support/services.h
CommandResult aws_cli(const S3Service& s3, const std::vector<std::string>& args,
                      const CommandOptions& options = {});

// A fresh temp directory removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& data);

}  // namespace pgdump2s3::testing
