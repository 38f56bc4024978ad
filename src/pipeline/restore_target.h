// Restoring a dump stream into one database: which tool reads which kind
// (restore_format.h), with which arguments, and what counts as success.
//
//   custom, tar  pg_restore --format=custom|tar reading stdin. pg_restore
//                --jobs needs to seek in a file, which a pipe cannot do, so a
//                stream is restored with one job (a warning says so when
//                --jobs is asked for).
//   directory    the tar is unpacked by tar(1) into a folder in
//                BACKUPS_TEMP_DIR as it streams (the one restore that needs
//                disk), then pg_restore --format=directory [--jobs N] reads it.
//   plain        psql -v ON_ERROR_STOP=1 reading stdin; the psql matching the
//                server, or a newer one when the dump starts with \restrict
//                and that one does not know it.
//
// pg_restore carries on past a failed statement and exits 1 at the end
// ("errors ignored on restore: N"): that is a failed restore, reported with
// its first errors, unless ignore_errors.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pg/database_url.h"
#include "pg/tool_locator.h"
#include "pipeline/restore_child.h"
#include "pipeline/restore_format.h"
#include "pipeline/restore_stream.h"

namespace pgdump2s3::pipeline {

struct RestoreSettings {
  bool clean = false;          // pg_restore --clean --if-exists (drop what the dump creates first)
  bool ignore_errors = false;  // pg_restore's carried-on errors, psql without ON_ERROR_STOP: warnings
  std::optional<int> jobs;     // pg_restore --jobs (directory kind only)
  std::vector<std::string> pg_restore_args;  // extra pg_restore arguments (PG_RESTORE_ARGS)
  std::string temp_dir = "/tmp/db-backups";  // BACKUPS_TEMP_DIR: the directory kind only
  bool quiet = false;                        // the children's stderr only on failure
  pg::ToolSearch tools;
};

// What the restore used and met, for its summary.
struct RestoreOutcome {
  std::string tool;         // "pg_restore 15 (/usr/lib/postgresql/15/bin/pg_restore)"
  int ignored_errors = 0;   // with ignore_errors
  int guarded_drops = 0;    // plain: --clean DROPs made to tolerate a missing object
  std::string spool;        // directory kind: the folder the tar was unpacked in
};

class RestoreTarget {
 public:
  // `db` is the database to restore into (it exists); `server_version_num`
  // picks the tools.
  RestoreTarget(pg::DatabaseUrl db, int server_version_num, RestoreSettings settings);
  ~RestoreTarget();

  // A SinkFactory for stream_dump: the sink that restores a dump of `kind`.
  // Throws ConfigError when no tool fits.
  std::unique_ptr<DumpSink> open(ArchiveKind kind, std::string_view head);

  // From any thread (a signal listener): SIGTERM to the child running now.
  void stop() { slot_.stop(); }

  const RestoreOutcome& outcome() const { return outcome_; }

 private:
  pg::FoundTool pg_restore() const;
  pg::FoundTool psql_for(std::string_view head) const;
  pg::ChildOptions child_options(std::vector<std::string> argv) const;
  ExitJudge pg_restore_judge();
  ExitJudge psql_judge();

  pg::DatabaseUrl db_;
  int server_version_num_;
  RestoreSettings settings_;
  ChildSlot slot_;
  RestoreOutcome outcome_;
};

// pg_restore's --format value for a streamed kind: "custom" or "tar".
std::string_view pg_restore_format(ArchiveKind kind);

}  // namespace pgdump2s3::pipeline
