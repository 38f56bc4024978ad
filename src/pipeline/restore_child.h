// The children a restore or a verify feeds (pg_restore, psql, tar): the
// dump goes into the child's stdin through a pipe, so the password stays in
// its environment and the dump never touches disk.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "pg/child_process.h"
#include "pipeline/restore_stream.h"

namespace pgdump2s3::pipeline {

// What a child said on stderr that is worth quoting when it fails: its
// error lines ("pg_restore: error: ...", "psql:<stdin>:12: ERROR:  ...")
// and pg_restore's closing count. Fed by the child's relay thread.
class ToolMessages {
 public:
  void add(const std::string& line);
  // The first `count` error lines joined with "; ", else the first line.
  std::string first_errors(std::size_t count = 3) const;
  int error_lines() const;
  // pg_restore's "warning: errors ignored on restore: N" (it carried on
  // past N failed statements and then exits 1).
  std::optional<int> errors_ignored() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> errors_;  // the first few
  int error_count_ = 0;
  std::string first_line_;
  std::optional<int> errors_ignored_;
};

// The child running now, for a signal listener on another thread to stop.
class ChildSlot {
 public:
  void set(pg::ChildProcess* child);
  // SIGTERM to the child running now, if any.
  void stop();

 private:
  std::mutex mutex_;
  pg::ChildProcess* child_ = nullptr;
};

// Decides from a child's exit whether its work succeeded; throws
// RuntimeError (one line, the child's first errors) when it did not.
using ExitJudge = std::function<void(const pg::ExitStatus& status, const ToolMessages& messages)>;

// A child started with stdin as a pipe; write() feeds it, finish() closes
// the pipe, waits and asks the judge. Each stderr line goes to the log
// (unless options.quiet) and to messages().
class ChildSink : public DumpSink {
 public:
  enum class EarlyExit {
    kFailure,  // the child must read the whole dump (pg_restore, psql, tar -x)
    kAllowed,  // it may stop reading once it knows enough (pg_restore --list)
  };
  ChildSink(pg::ChildOptions options, ChildSlot& slot, ExitJudge judge, EarlyExit early_exit = EarlyExit::kFailure);
  ~ChildSink() override;

  void write(std::string_view bytes) override;
  void finish() override;
  const ToolMessages& messages() const { return *messages_; }

 private:
  // The child closed its stdin: wait for it and let the judge say why.
  [[noreturn]] void stopped_reading();

  std::shared_ptr<ToolMessages> messages_;  // shared with the relay thread's callback
  std::string name_;
  ChildSlot& slot_;
  ExitJudge judge_;
  EarlyExit early_exit_;
  bool done_reading_ = false;
  std::unique_ptr<pg::ChildProcess> child_;
};

}  // namespace pgdump2s3::pipeline
