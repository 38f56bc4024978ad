// The retention policy, set for `prune` by flags and for `backup` by the
// same variables (BACKUP_KEEP_LAST, _DAILY, _WEEKLY, _MONTHLY): when any is
// set, each successful backup is followed by a prune of its own history.
#pragma once

#include <optional>
#include <string>

#include "cli/destination.h"
#include "pipeline/retention.h"
#include "s3/s3_client.h"
#include "util/env.h"

namespace CLI {
class App;
}

namespace pgdump2s3::cli {

struct RetentionOptions {
  std::optional<std::string> keep_last;     // BACKUP_KEEP_LAST
  std::optional<std::string> keep_daily;    // BACKUP_KEEP_DAILY
  std::optional<std::string> keep_weekly;   // BACKUP_KEEP_WEEKLY
  std::optional<std::string> keep_monthly;  // BACKUP_KEEP_MONTHLY
};
void add_retention_flags(CLI::App& command, RetentionOptions& options);

// Throws ConfigError naming the variable for a value that is not a count.
pipeline::RetentionPolicy retention_policy(const RetentionOptions& options);
pipeline::RetentionPolicy retention_from_environment(const Environment& env);

// Prunes the history a destination template makes: the backups under the
// key's part before its first time placeholder ({timestamp}, {date},
// {time}) whose keys fit the template, {name} and {db} filled in. A key
// without a time placeholder has no history (each backup replaces the
// last): nothing is pruned, and a warning says why. Throws on failure
// (the caller makes it a warning: the backup itself succeeded).
void prune_after_backup(s3::S3Client& client, const std::string& bucket, const std::string& key_template,
                        const KeyValues& values, const pipeline::RetentionPolicy& policy);

}  // namespace pgdump2s3::cli
