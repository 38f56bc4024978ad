#include "pipeline/restore_target.h"

#include <chrono>

#include "pg/pg_version.h"
#include "pipeline/restore_plain_clean.h"
#include "pipeline/spool_folder.h"
#include "util/error.h"
#include "util/log.h"

namespace pgdump2s3::pipeline {
namespace {

std::string describe_tool(std::string_view name, const pg::FoundTool& tool) {
  return std::string(name) + " " + pg::major_version_name(tool.version_num) + " (" + tool.path + ")";
}

// psql learnt \restrict in the releases of August 2025 (CVE-2025-8714);
// asking it beats a table of minor versions.
bool psql_knows_restrict(const pg::FoundTool& psql) {
  pg::CapturedOutput help = pg::run_and_capture({psql.path, "--help=commands"}, std::chrono::seconds(10));
  return help.status.success() && help.out.find("\\restrict") != std::string::npos;
}

// A tar of a directory-format dump, unpacked as it streams; then pg_restore
// reads the folder.
class DirectorySink final : public DumpSink {
 public:
  DirectorySink(std::unique_ptr<SpoolFolder> spool, std::unique_ptr<ChildSink> tar,
                std::function<void(const std::string& folder)> restore_folder)
      : spool_(std::move(spool)), tar_(std::move(tar)), restore_folder_(std::move(restore_folder)) {}
  void write(std::string_view bytes) override { tar_->write(bytes); }
  void finish() override {
    tar_->finish();
    tar_.reset();
    restore_folder_(spool_->path());
  }

 private:
  std::unique_ptr<SpoolFolder> spool_;  // outlives the children that use it
  std::unique_ptr<ChildSink> tar_;
  std::function<void(const std::string& folder)> restore_folder_;
};

// Plain SQL into psql, its --clean section made to tolerate missing objects.
class PlainSink final : public DumpSink {
 public:
  PlainSink(std::unique_ptr<ChildSink> psql, bool clean_asked, RestoreOutcome& outcome)
      : psql_(std::move(psql)),
        clean_section_([this](std::string_view bytes) { psql_->write(bytes); }),
        clean_asked_(clean_asked),
        outcome_(outcome) {}
  void write(std::string_view bytes) override { clean_section_.write(bytes); }
  void finish() override {
    clean_section_.finish();
    outcome_.guarded_drops = clean_section_.guarded_statements();
    psql_->finish();
    if (clean_asked_ && outcome_.guarded_drops == 0) {
      log::warn("--clean did nothing: a plain dump drops objects only when pg_dump made it with --clean, and this "
                "one was not; objects already in the database were kept");
    }
  }

 private:
  std::unique_ptr<ChildSink> psql_;
  PlainCleanSection clean_section_;
  bool clean_asked_;
  RestoreOutcome& outcome_;
};

}  // namespace

std::string_view pg_restore_format(ArchiveKind kind) { return kind == ArchiveKind::kTar ? "tar" : "custom"; }

RestoreTarget::RestoreTarget(pg::DatabaseUrl db, int server_version_num, RestoreSettings settings)
    : db_(std::move(db)), server_version_num_(server_version_num), settings_(std::move(settings)) {}

RestoreTarget::~RestoreTarget() = default;

pg::FoundTool RestoreTarget::pg_restore() const {
  return pg::locate_tool("pg_restore", server_version_num_, settings_.tools);
}

pg::FoundTool RestoreTarget::psql_for(std::string_view head) const {
  pg::FoundTool chosen = pg::locate_tool("psql", server_version_num_, settings_.tools);
  if (!uses_restrict(head) || psql_knows_restrict(chosen)) return chosen;
  // The newest psql that knows it (find_tools lists every one found).
  std::optional<pg::FoundTool> newer;
  for (const pg::FoundTool& t : pg::find_tools("psql", settings_.tools)) {
    if (t.version_num >= pg::major_version_num(server_version_num_) && (!newer || t.version_num > newer->version_num) &&
        psql_knows_restrict(t)) {
      newer = t;
    }
  }
  if (newer) {
    log::info("the dump starts with \\restrict, which " + describe_tool("psql", chosen) + " does not know: using " +
              describe_tool("psql", *newer));
    return *newer;
  }
  throw ConfigError("the dump starts with \\restrict (pg_dump 17.6, 16.10, 15.14, 14.19, 13.22 and later write it), "
                    "which " + describe_tool("psql", chosen) +
                    " does not understand: install the latest postgresql-client of your major version, or point "
                    "PG_RESTORE_PATH at a psql that lists \\restrict in `psql --help=commands`");
}

pg::ChildOptions RestoreTarget::child_options(std::vector<std::string> argv) const {
  pg::ChildOptions o;
  o.argv = std::move(argv);
  o.env = db_.child_environment();  // PGPASSWORD: never in argv
  o.stdout_to = pg::Redirect::null();
  o.quiet = settings_.quiet;
  return o;
}

ExitJudge RestoreTarget::pg_restore_judge() {
  return [this](const pg::ExitStatus& status, const ToolMessages& messages) {
    if (status.success()) return;
    if (status.exit_code == 1 && messages.errors_ignored()) {
      const int failed = *messages.errors_ignored();
      if (settings_.ignore_errors) {
        outcome_.ignored_errors = failed;
        log::warn("pg_restore: " + std::to_string(failed) + " statement(s) failed and were skipped (--ignore-errors); "
                  "the first: " + messages.first_errors(1));
        return;
      }
      throw RuntimeError("pg_restore could not restore everything: " + std::to_string(failed) +
                         " statement(s) failed (it carried on past them; --ignore-errors accepts that): " +
                         messages.first_errors());
    }
    throw RuntimeError("pg_restore " + status.describe() + ": " + messages.first_errors());
  };
}

ExitJudge RestoreTarget::psql_judge() {
  return [this](const pg::ExitStatus& status, const ToolMessages& messages) {
    if (status.success()) {
      if (const int failed = messages.error_lines(); failed > 0) {
        outcome_.ignored_errors = failed;
        log::warn("psql: " + std::to_string(failed) + " statement(s) failed and were skipped (--ignore-errors); the "
                  "first: " + messages.first_errors(1));
      }
      return;
    }
    // psql exits 3 when a statement failed under ON_ERROR_STOP (psql docs, "Exit Status").
    if (status.exit_code == 3) {
      throw RuntimeError("psql stopped at the first failed statement (ON_ERROR_STOP; --ignore-errors carries on): " +
                         messages.first_errors(1));
    }
    throw RuntimeError("psql " + status.describe() + ": " + messages.first_errors());
  };
}

std::unique_ptr<DumpSink> RestoreTarget::open(ArchiveKind kind, std::string_view head) {
  const std::string dbname = "--dbname=" + db_.child_conninfo();
  const int jobs = settings_.jobs.value_or(1);
  switch (kind) {
    case ArchiveKind::kCustom:
    case ArchiveKind::kTar: {
      if (jobs > 1) {
        log::warn("--jobs " + std::to_string(jobs) + " is not used: pg_restore restores in parallel only from a file "
                  "it can seek in, and this " + std::string(archive_name(kind)) +
                  " arrives as a stream through a pipe; restoring with one job");
      }
      const pg::FoundTool tool = pg_restore();
      outcome_.tool = describe_tool("pg_restore", tool);
      std::vector<std::string> argv = {tool.path, "--format=" + std::string(pg_restore_format(kind)), "--no-password",
                                       dbname};
      // --if-exists: a database that lacks some of the objects is no error.
      if (settings_.clean) argv.insert(argv.end(), {"--clean", "--if-exists"});
      argv.insert(argv.end(), settings_.pg_restore_args.begin(), settings_.pg_restore_args.end());
      log::info("restoring a " + std::string(archive_name(kind)) + " with " + outcome_.tool);
      return std::make_unique<ChildSink>(child_options(std::move(argv)), slot_, pg_restore_judge());
    }
    case ArchiveKind::kDirectoryTar: {
      const pg::FoundTool tool = pg_restore();
      outcome_.tool = describe_tool("pg_restore", tool);
      auto spool = std::make_unique<SpoolFolder>(settings_.temp_dir);
      outcome_.spool = spool->path();
      log::info("a tar of a directory-format dump: pg_restore reads that format only from a folder, so it is "
                "unpacked into " + spool->path() + " (BACKUPS_TEMP_DIR) first: the one restore that needs disk, "
                "as much as the dump's size");
      // --no-same-owner: the files are ours, whatever uid made the tar.
      auto tar = std::make_unique<ChildSink>(
          child_options({"tar", "--extract", "--file=-", "--directory=" + spool->path(), "--no-same-owner"}), slot_,
          [](const pg::ExitStatus& status, const ToolMessages& messages) {
            if (!status.success()) throw RuntimeError("tar " + status.describe() + ": " + messages.first_errors());
          });
      auto restore_folder = [this, tool, dbname, jobs](const std::string& folder) {
        std::vector<std::string> argv = {tool.path, "--format=directory", "--jobs=" + std::to_string(jobs),
                                         "--no-password", dbname};
        if (settings_.clean) argv.insert(argv.end(), {"--clean", "--if-exists"});
        argv.insert(argv.end(), settings_.pg_restore_args.begin(), settings_.pg_restore_args.end());
        argv.push_back(folder);
        log::info("restoring the unpacked directory-format dump with " + outcome_.tool + ", " + std::to_string(jobs) +
                  (jobs == 1 ? " job (--jobs N restores in parallel)" : " jobs"));
        ChildSink(child_options(std::move(argv)), slot_, pg_restore_judge()).finish();
      };
      return std::make_unique<DirectorySink>(std::move(spool), std::move(tar), std::move(restore_folder));
    }
    case ArchiveKind::kPlain: {
      if (!looks_like_plain_dump(head)) {
        throw RuntimeError("the object is neither a pg_dump archive (custom or tar) nor pg_dump's plain SQL: it "
                           "starts with none of their headers");
      }
      if (jobs > 1) log::warn("--jobs is not used: psql runs a plain SQL dump one statement after another");
      if (!settings_.pg_restore_args.empty()) log::warn("PG_RESTORE_ARGS is not used: a plain SQL dump goes to psql");
      const pg::FoundTool tool = psql_for(head);
      outcome_.tool = describe_tool("psql", tool);
      std::vector<std::string> argv = {tool.path,
                                       "--no-psqlrc",
                                       "--quiet",
                                       "--no-password",
                                       std::string("--set=ON_ERROR_STOP=") + (settings_.ignore_errors ? "0" : "1"),
                                       dbname,
                                       "--file=-"};
      log::info("restoring plain SQL with " + outcome_.tool);
      auto psql = std::make_unique<ChildSink>(child_options(std::move(argv)), slot_, psql_judge());
      return std::make_unique<PlainSink>(std::move(psql), settings_.clean, outcome_);
    }
  }
  throw RuntimeError("unknown archive kind");
}

}  // namespace pgdump2s3::pipeline
