// `pgdump2s3 restore SRC --dbname URL`: stream a backup from S3 into
// pg_restore or psql (pipeline/restore_run.h).
#include <CLI/CLI.hpp>

#include <array>
#include <memory>
#include <string_view>

#include "cli/commands.h"
#include "cli/restore_options.h"
#include "cli/s3_setup.h"
#include "pg/shell_words.h"
#include "pipeline/restore_run.h"
#include "util/byte_size.h"
#include "util/error.h"
#include "util/log.h"
#include "util/progress.h"

namespace pgdump2s3::cli {
namespace {

struct RestoreOptions {
  SourceOptions source;
  ReadOptions read;
  std::string database_url;                    // RESTORE_DATABASE_URL
  bool create = false;                         // RESTORE_CREATE
  bool clean = false;                          // RESTORE_CLEAN
  bool ignore_errors = false;                  // RESTORE_IGNORE_ERRORS
  bool no_analyze = false;                     // RESTORE_NO_ANALYZE
  std::optional<int> jobs;                     // RESTORE_JOBS
  std::optional<std::string> pg_restore_args;  // PG_RESTORE_ARGS
};

// Options the restore sets itself; given in PG_RESTORE_ARGS they would
// fight with them.
std::vector<std::string> checked_pg_restore_args(const std::optional<std::string>& text) {
  if (!text) return {};
  std::vector<std::string> words = pg::split_shell_words(*text, "PG_RESTORE_ARGS");
  constexpr std::array<std::string_view, 14> kOwned = {"-d", "--dbname", "-f", "--file", "-F", "--format", "-j",
                                                       "--jobs", "-l", "--list", "-C", "--create", "-c", "--clean"};
  for (const std::string& w : words) {
    for (std::string_view owned : kOwned) {
      const bool long_form = owned.starts_with("--");
      if (w == owned || (long_form && w.starts_with(std::string(owned) + "=")) ||
          (!long_form && w.size() > 2 && w.starts_with(owned))) {
        throw ConfigError("PG_RESTORE_ARGS: " + w + " is set by pgdump2s3 restore itself (use --dbname, --jobs, "
                          "--create or --clean)");
      }
    }
  }
  return words;
}

std::string summary(const pipeline::RestoreReport& r) {
  char ratio[32] = "";
  if (r.object_bytes > 0 && r.compression != "none") {
    std::snprintf(ratio, sizeof ratio, " (ratio %.2f:1)",
                  static_cast<double>(r.dump_bytes) / static_cast<double>(r.object_bytes));
  }
  const double secs = std::chrono::duration<double>(r.duration).count();
  char rate[32];
  std::snprintf(rate, sizeof rate, "%.1f MiB/s", secs > 0 ? static_cast<double>(r.dump_bytes) / secs / 1048576 : 0.0);
  std::string text = "downloaded " + human_bytes(r.object_bytes) + ", restored " + human_bytes(r.dump_bytes) + ratio +
                     " from a " + r.archive + " (" + r.compression + ") with " + r.tool + " in " +
                     human_duration(r.duration) + ", " + rate;
  if (r.ignored_errors > 0) text += "; " + std::to_string(r.ignored_errors) + " failed statement(s) ignored";
  if (r.analyzed) text += "; ANALYZE " + human_duration(r.analyze_duration);
  return text;
}

int run_restore(const RestoreOptions& o) {
  const Environment env = Environment::from_process();
  pipeline::RestoreJob job;
  job.database_url = o.database_url;
  job.database_url_variable = "RESTORE_DATABASE_URL";
  // Parsed here too, so that a bad URL is reported before S3 is contacted.
  pg::DatabaseUrl::parse(job.database_url, job.database_url_variable);
  job.create_database = o.create;
  job.analyze = !o.no_analyze;
  job.settings = restore_settings(o.read, env);
  job.settings.clean = o.clean;
  job.settings.ignore_errors = o.ignore_errors;
  job.settings.jobs = o.jobs;
  job.settings.pg_restore_args = checked_pg_restore_args(o.pg_restore_args);

  s3::S3Client client = resolve_s3_setup(env).client();
  job.source = resolve_source(client, o.source);
  pipeline::RestoreReport report = pipeline::RestoreRun(std::move(job), client).run();
  log::info("restore complete: " + report.url + " into " + report.database + ": " + summary(report));
  return kExitOk;
}

}  // namespace

void add_restore_command(CLI::App& app, CommandRunner& run) {
  auto o = std::make_shared<RestoreOptions>();
  CLI::App* cmd = app.add_subcommand(
      "restore", "Restore a backup: stream it from S3 through decompression into pg_restore (custom, tar) or psql "
                 "(plain SQL), the format told from its bytes");
  add_source_flags(*cmd, o->source, "RESTORE_SOURCE", "RESTORE_LATEST");
  cmd->add_option("--dbname", o->database_url,
                  "The database to restore into, e.g. postgresql://user:password@host:5432/db (the password "
                  "reaches pg_restore through its environment)")
      ->envname("RESTORE_DATABASE_URL")
      ->required();
  cmd->add_flag("--create", o->create, "Create the database named in --dbname first (it must not exist)")
      ->envname("RESTORE_CREATE");
  cmd->add_flag("--clean", o->clean,
                "Drop the dump's objects before recreating them (pg_restore --clean --if-exists; a plain dump "
                "drops them itself when pg_dump made it with --clean)")
      ->envname("RESTORE_CLEAN");
  cmd->add_flag("--ignore-errors", o->ignore_errors,
                "Succeed although some statements failed (pg_restore carries on past them and exits 1; psql then "
                "runs without ON_ERROR_STOP)")
      ->envname("RESTORE_IGNORE_ERRORS");
  cmd->add_flag("--no-analyze", o->no_analyze, "Skip the ANALYZE that follows a successful restore")
      ->envname("RESTORE_NO_ANALYZE");
  cmd->add_option("--jobs", o->jobs,
                  "pg_restore --jobs, for a tar of a directory-format dump only (unpacked to disk first): custom and "
                  "tar archives stream through a pipe, where pg_restore cannot work in parallel")
      ->envname("RESTORE_JOBS")
      ->check(CLI::Range(1, 256));
  cmd->add_option("--pg-restore-args", o->pg_restore_args,
                  "More pg_restore arguments, e.g. \"--no-owner --schema=public\" (split like a shell would)")
      ->envname("PG_RESTORE_ARGS");
  add_read_flags(*cmd, o->read);
  cmd->footer(
      "The format is read from the object's bytes, not its name: pg_dump's custom and tar archives, plain SQL, and\n"
      "the tar of a directory-format dump that fly-pg-dump-to-s3 made (unpacked into BACKUPS_TEMP_DIR: the only\n"
      "restore that needs disk). gzip and zstd are decompressed as the object streams; a dropped connection resumes\n"
      "where it stopped. A database this restore created is dropped again when the restore fails.");
  cmd->callback([&run, o] { run = [o] { return run_restore(*o); }; });
}

}  // namespace pgdump2s3::cli
