// Helpers of the `pgdump2s3 backup` integration tests: run the binary as a
// user would (environment first), in the foreground or in the background
// while the test disturbs it, and read what it stored with the AWS CLI.
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/gate_admin.h"
#include "support/process.h"
#include "support/s3_objects.h"
#include "support/running_processes.h"
#include "support/services.h"
#include "support/tool_env.h"

namespace pgdump2s3::backup_itest {

using testing::CommandOptions;
using testing::CommandResult;
using testing::S3Service;

// `pgdump2s3 backup` with DATABASE_URL and S3_DESTINATION (s3://BUCKET/KEY)
// in its environment, plus `extra_env` and `args`.
inline CommandOptions backup_options(const S3Service& s3, const std::string& database_url, const std::string& key,
                                     const std::map<std::string, std::string>& extra_env = {}) {
  CommandOptions o = testing::tool_options(s3);
  o.env["DATABASE_URL"] = database_url;
  o.env["S3_DESTINATION"] = "s3://" + s3.bucket + "/" + key;
  for (const auto& [k, v] : extra_env) o.env[k] = v;
  return o;
}

inline CommandResult run_backup(const CommandOptions& options, const std::vector<std::string>& args = {}) {
  std::vector<std::string> argv = {PGDUMP2S3_BINARY, "backup"};
  argv.insert(argv.end(), args.begin(), args.end());
  return testing::run_command(argv, options);
}

// The children of this test process named `name` (comm), e.g. "pgdump2s3".
inline std::vector<testing::RunningProcess> children_named(pid_t parent, const std::string& name) {
  std::vector<testing::RunningProcess> out;
  for (testing::RunningProcess& p : testing::running_processes()) {
    if (p.parent == parent && p.name == name) out.push_back(std::move(p));
  }
  return out;
}

// Polls `condition` every 20 ms for up to `seconds`; true when it held.
inline bool eventually(const std::function<bool()>& condition, int seconds = 60) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

// A backup running on a thread of the test while the test watches or
// disturbs it. The tool is this process's child (run_command forks it).
class BackgroundBackup {
 public:
  BackgroundBackup(CommandOptions options, std::vector<std::string> args = {})
      : thread_([this, options = std::move(options), args = std::move(args)] {
          result_ = run_backup(options, args);
          finished_ = true;
        }) {}
  ~BackgroundBackup() {
    if (thread_.joinable()) thread_.join();
  }
  BackgroundBackup(const BackgroundBackup&) = delete;
  BackgroundBackup& operator=(const BackgroundBackup&) = delete;

  // The pgdump2s3 process, once it runs (0 if it never showed up).
  pid_t tool_pid() {
    pid_t pid = 0;
    eventually([&] {
      auto found = children_named(getpid(), "pgdump2s3");
      if (!found.empty()) pid = found.front().pid;
      return pid != 0 || finished_;
    });
    return pid;
  }
  // Its pg_dump child dumping `database`, once it runs (0 if none showed
  // up). Not the short `pg_dump --version` runs that pick the version.
  pid_t pg_dump_pid(const std::string& database) {
    pid_t tool = tool_pid();
    pid_t pid = 0;
    if (tool == 0) return 0;
    eventually([&] {
      for (const auto& p : children_named(tool, "pg_dump")) {
        if (p.command_line().find(database) != std::string::npos) pid = p.pid;
      }
      return pid != 0 || finished_;
    });
    return pid;
  }
  bool finished() const { return finished_; }
  CommandResult wait() {
    thread_.join();
    return result_;
  }

 private:
  CommandResult result_;
  std::atomic<bool> finished_{false};
  std::thread thread_;
};

// A test that starts and ends with a clean gate: no fault rules, no policy
// on the limited key, an empty log.
class CleanGateTest : public ::testing::Test {
 protected:
  void SetUp() override { reset(); }
  void TearDown() override { reset(); }
  void reset() {
    gate_.reset();
    gate_.clear_policy(testing::required_env("PGDUMP2S3_TEST_S3GATE_LIMITED_ACCESS_KEY"));
  }
  const S3Service s3_ = testing::s3gate();
  testing::GateAdmin gate_{s3_};
};

// The object's ETag as the AWS CLI reads it (HeadObject), empty if missing.
inline std::string etag_of(const S3Service& s3, const std::string& key) {
  CommandResult r = testing::aws_cli(s3, {"s3api", "head-object", "--bucket", s3.bucket, "--key", key});
  if (r.exit_code != 0) return "";
  return nlohmann::json::parse(r.out).value("ETag", "");
}

// Multipart uploads the gate still holds open for keys under `prefix`.
inline nlohmann::json open_uploads_under(testing::GateAdmin& gate, const std::string& prefix) {
  nlohmann::json open = nlohmann::json::array();
  for (const auto& upload : gate.open_uploads()) {
    if (upload.value("key", "").starts_with(prefix)) open.push_back(upload);
  }
  return open;
}

// Gate log entries for keys under `prefix`.
inline std::vector<nlohmann::json> gate_requests_under(testing::GateAdmin& gate, const S3Service& s3,
                                                       const std::string& prefix) {
  std::vector<nlohmann::json> out;
  for (const auto& entry : gate.log()) {
    if (entry.value("path", "").starts_with("/" + s3.bucket + "/" + prefix)) out.push_back(entry);
  }
  return out;
}

// No pg_dump is left running against `database` (its argv names it).
inline std::vector<std::string> pg_dumps_left(const std::string& database) {
  std::vector<std::string> left;
  for (const auto& p : testing::processes_mentioning(database)) {
    if (p.name == "pg_dump") left.push_back(std::to_string(p.pid) + " " + p.command_line());
  }
  return left;
}

}  // namespace pgdump2s3::backup_itest
