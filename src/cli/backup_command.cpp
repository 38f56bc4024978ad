// `pgdump2s3 backup`: one configuration, or each of BACKUP_CONFIGURATION_NAMES
// one after another; a failure of one does not stop the others.
#include <CLI/CLI.hpp>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <memory>

#include "cli/backup_options.h"
#include "cli/commands.h"
#include "cli/destination.h"
#include "cli/retention_options.h"
#include "cli/s3_setup.h"
#include "pg/database_url.h"
#include "pg/pg_version.h"
#include "pg/tool_locator.h"
#include "pipeline/backup_run.h"
#include "pipeline/memory_budget.h"
#include "s3/aws_settings.h"
#include "s3/s3_client.h"
#include "util/byte_size.h"
#include "util/error.h"
#include "util/log.h"
#include "util/progress.h"
#include "util/shutdown_signal.h"

namespace pgdump2s3::cli {
namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " ") + s;
  return out;
}

void print_plan(const std::vector<PlannedBackup>& jobs, const s3::AwsSettings& settings,
                const s3::CredentialsProvider& credentials, const Environment& env) {
  std::printf("pgdump2s3 backup: dry run (nothing is contacted, nothing uploaded)\n\n");
  for (const PlannedBackup& p : jobs) {
    const pipeline::BackupJob& j = p.job;
    pg::DatabaseUrl db = pg::DatabaseUrl::parse(j.database_url, j.database_url_variable);
    std::printf("configuration %s\n", j.name.empty() ? "(DATABASE_URL, S3_DESTINATION)" : j.name.c_str());
    std::printf("  database     %s\n", db.redacted().c_str());
    std::printf("  destination  %s%s\n", j.url().c_str(),
                Destination{j.bucket, j.key}.is_template() ? "  (placeholders filled in when it starts)" : "");
    pg::ToolSearch search = pg::ToolSearch::from_environment(env);
    if (!j.pg_dump_path.empty()) search.explicit_path = j.pg_dump_path;
    std::string found;
    for (const pg::FoundTool& t : pg::find_tools("pg_dump", search)) {
      found += (found.empty() ? "" : ", ") + pg::major_version_name(t.version_num) + " (" + t.path + ")";
    }
    std::printf("  pg_dump      the one matching the server's version, from: %s\n",
                found.empty() ? "none found" : found.c_str());
    std::printf("  arguments    %s\n", join(j.dump.args).c_str());
    std::printf("  format       %s\n", std::string(pg::format_name(j.dump.format)).c_str());
    std::printf("  compression  %s", std::string(pipeline::compression_name(j.compression.format)).c_str());
    if (j.compression.format != pipeline::CompressionFormat::kNone) {
      std::printf(" level %d, %d threads", j.compression.level, pipeline::compression_threads(j.compression));
    }
    pipeline::MemoryPlan plan = pipeline::plan_memory(j.max_memory, j.compression, std::nullopt);
    std::printf("\n  memory       %s: parts from 5 MiB up to %s, %d uploading at once at most\n",
                human_bytes(plan.max_memory).c_str(), human_bytes(plan.part_cap).c_str(), j.upload_concurrency);
    if (j.dump.format == pg::DumpFormat::kDirectory) std::printf("  temp dir     %s\n", j.temp_dir.c_str());
    std::printf("\n");
  }
  std::printf("S3\n  endpoint     %s\n  region       %s (%s)\n  addressing   %s\n  credentials  %s\n",
              settings.endpoint_url.empty() ? "AWS" : settings.endpoint_url.c_str(), settings.region.c_str(),
              settings.region_source.c_str(), settings.path_style ? "path-style" : "virtual-hosted",
              credentials.source().c_str());
}

struct Outcome {
  std::string name;
  std::string url;
  bool ok = false;
  std::string detail;
};

void print_summary_table(const std::vector<Outcome>& outcomes) {
  std::fprintf(stderr, "\n%-24s %-6s %s\n", "CONFIGURATION", "RESULT", "DETAIL");
  for (const Outcome& o : outcomes) {
    std::string line = log::redact(o.detail);
    std::fprintf(stderr, "%-24s %-6s %s %s\n", o.name.c_str(), o.ok ? "ok" : "FAILED", o.url.c_str(), line.c_str());
  }
}

int run_backups(const BackupOptions& options) {
  const Environment env = Environment::from_process();
  std::vector<PlannedBackup> jobs = resolve_backup_jobs(options, env);
  const pipeline::RetentionPolicy retention = retention_from_environment(env);
  const S3Setup s3_setup = resolve_s3_setup(env);
  if (options.dry_run) {
    print_plan(jobs, s3_setup.settings, *s3_setup.credentials, env);
    return kExitOk;
  }
  s3::S3Client client = s3_setup.client();

  std::vector<Outcome> outcomes;
  int config_errors = 0;
  for (PlannedBackup& p : jobs) {
    if (ShutdownSignal::requested()) break;
    pipeline::BackupJob job = p.job;
    pg::DatabaseUrl db = pg::DatabaseUrl::parse(job.database_url, job.database_url_variable);
    const KeyValues key_values{std::chrono::system_clock::now(), job.name.empty() ? "default" : lower(job.name),
                               db.option("dbname").value_or("")};
    job.key = expand_key(job.key, key_values);
    Outcome outcome{job.name.empty() ? "default" : job.name, job.url(), false, ""};
    try {
      pipeline::BackupRun run(job, client, env);
      pipeline::BackupReport r = run.run();
      char ratio[32] = "";
      if (r.object_bytes > 0) {
        std::snprintf(ratio, sizeof ratio, " (ratio %.2f:1)",
                      static_cast<double>(r.dump_bytes) / static_cast<double>(r.object_bytes));
      }
      double secs = std::chrono::duration<double>(r.duration).count();
      char rate[32];
      std::snprintf(rate, sizeof rate, "%.1f MiB/s", secs > 0 ? static_cast<double>(r.dump_bytes) / secs / 1048576 : 0.0);
      outcome.ok = true;
      outcome.detail = "dumped " + human_bytes(r.dump_bytes) + ", stored " + human_bytes(r.object_bytes) + ratio +
                       " in " + std::to_string(r.parts) + (r.parts == 1 ? " part, " : " parts, ") +
                       human_duration(r.duration) + ", " + rate;
      log::info("backup complete: " + r.url + " ETag " + (r.etag.empty() ? "(none returned)" : r.etag) + ": " +
                    outcome.detail,
                {{"sha256", r.object_sha256}});
      if (!retention.empty()) {
        try {
          prune_after_backup(client, job.bucket, p.job.key, key_values, retention);
        } catch (const std::exception& e) {
          log::warn(std::string("the backup succeeded, but pruning older backups (BACKUP_KEEP_*) failed: ") + e.what());
        }
      }
    } catch (const ConfigError& e) {
      ++config_errors;
      outcome.detail = e.what();
      log::error(e.what());
    } catch (const std::exception& e) {
      outcome.detail = e.what();
      log::error(e.what());
    }
    outcomes.push_back(std::move(outcome));
  }

  int failed = 0;
  for (const Outcome& o : outcomes) failed += o.ok ? 0 : 1;
  failed += static_cast<int>(jobs.size() - outcomes.size());  // not started after a signal
  if (jobs.size() > 1) print_summary_table(outcomes);
  if (failed == 0) return kExitOk;
  if (jobs.size() == 1) return config_errors == 1 ? kExitUsage : kExitBackupFailed;
  return failed == static_cast<int>(jobs.size()) ? kExitBackupFailed : kExitPartialFailure;
}

}  // namespace

void add_backup_command(CLI::App& app, CommandRunner& run) {
  auto options = std::make_shared<BackupOptions>();
  CLI::App* cmd = app.add_subcommand(
      "backup", "Back up one database, or all of BACKUP_CONFIGURATION_NAMES (the container's default command)");
  add_backup_flags(*cmd, *options);
  // A scheduler retries on 1 and alerts on 2: an unreachable server may come
  // back, a wrong password or a missing privilege will not.
  cmd->footer(
      "Exit codes: 0 success; 1 the backup failed, or a server it needs (PostgreSQL, S3) could not be reached:\n"
      "nothing was committed, retrying may help; 2 the configuration is wrong (a variable, the password, the\n"
      "database name, a missing privilege): nothing was uploaded, fix it first; 3 some of several\n"
      "configurations failed.");
  cmd->callback([&run, options] { run = [options] { return run_backups(*options); }; });
}

}  // namespace pgdump2s3::cli
