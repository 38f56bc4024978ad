// `pgdump2s3 prune s3://bucket/prefix/ --keep-...`: grandfather-father-son
// retention over the backups under a prefix (pipeline/retention.h,
// pipeline/prune_run.h).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/retention_options.h"
#include "cli/s3_setup.h"
#include "pipeline/backup_listing.h"
#include "pipeline/prune_run.h"
#include "util/error.h"
#include "util/log.h"

namespace pgdump2s3::cli {
namespace {

struct PruneOptions {
  std::string prefix;  // PRUNE_PREFIX
  RetentionOptions retention;
  bool dry_run = false;                          // PRUNE_DRY_RUN
  std::optional<std::string> abort_stale_uploads;  // ABORT_STALE_UPLOADS
};

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

int run_prune(const PruneOptions& o) {
  const Environment env = Environment::from_process();
  const s3::S3Location at = s3::S3Location::parse(o.prefix, "PREFIX");
  pipeline::PruneOptions options;
  options.policy = retention_policy(o.retention);
  options.dry_run = o.dry_run;
  if (o.abort_stale_uploads) {
    options.abort_uploads_older_than = pipeline::parse_age(*o.abort_stale_uploads);
    if (!options.abort_uploads_older_than) {
      throw ConfigError("ABORT_STALE_UPLOADS=" + *o.abort_stale_uploads + ": expected an age such as 24h, 90m, 7d");
    }
  }
  s3::S3Client client = resolve_s3_setup(env).client();
  const pipeline::PruneReport report = pipeline::prune_backups(client, at.bucket, at.key, options);

  std::printf("prune %s (%s): %zu backups, keep %d, delete %d%s\n", at.uri().c_str(), options.policy.describe().c_str(),
              report.plan.size(), report.kept(), report.dropped(), o.dry_run ? " (dry run: nothing deleted)" : "");
  for (const pipeline::RetentionDecision& d : report.plan) {
    std::printf("  %-6s  %-20s  %s%s%s\n", d.keep ? "keep" : "delete", pipeline::format_iso8601(d.time).c_str(),
                d.key.c_str(), d.keep ? "  (" : "", d.keep ? (join(d.reasons) + ")").c_str() : "");
  }
  for (const std::string& key : report.deleted_keys) {
    if (key.ends_with(".manifest.json")) std::printf("  %-6s  %-20s  %s\n", "delete", "", key.c_str());
  }
  for (const s3::MultipartUploadSummary& u : report.stale_uploads) {
    std::printf("  %-6s  %-20s  %s (upload %s, started %s)\n", o.dry_run ? "abort?" : "abort", "", u.key.c_str(),
                u.upload_id.c_str(), u.initiated.c_str());
  }
  std::fflush(stdout);
  if (!o.dry_run) {
    log::info("prune complete: " + at.uri() + ": deleted " + std::to_string(report.deleted_keys.size()) +
              " objects (" + std::to_string(report.dropped()) + " backups and their manifests), kept " +
              std::to_string(report.kept()) + " backups" +
              (options.abort_uploads_older_than ? ", aborted " + std::to_string(report.stale_uploads.size()) +
                                                      " stale uploads"
                                                : ""));
  }
  return kExitOk;
}

}  // namespace

void add_prune_command(CLI::App& app, CommandRunner& run) {
  auto o = std::make_shared<PruneOptions>();
  CLI::App* cmd = app.add_subcommand("prune", "Delete old backups under an S3 prefix by a retention policy");
  cmd->add_option("prefix", o->prefix, "s3://bucket/prefix/")->envname("PRUNE_PREFIX")->required();
  add_retention_flags(*cmd, o->retention);
  cmd->add_flag("--dry-run", o->dry_run, "Print the plan; delete nothing")->envname("PRUNE_DRY_RUN");
  cmd->add_option("--abort-stale-uploads", o->abort_stale_uploads,
                  "Also abort multipart uploads under the prefix started longer ago than this (e.g. 24h): parts of "
                  "a backup that was killed stay billed until then")
      ->envname("ABORT_STALE_UPLOADS");
  cmd->footer(
      "Grandfather-father-son: each --keep rule keeps its own picks, and a backup any rule picks stays. A day, week\n"
      "(ISO, Monday first) or month counts only when it has a backup; they are those of the local time zone (TZ;\n"
      "UTC when unset). A backup's time is the one in its key ({timestamp}, {date}), else LastModified. The newest\n"
      "backup whose manifest matches it is never deleted. A backup goes with its manifest, in DeleteObjects\n"
      "requests. The same variables set for `backup` prune each configuration's own history after every backup.");
  cmd->callback([&run, o] { run = [o] { return run_prune(*o); }; });
}

}  // namespace pgdump2s3::cli
