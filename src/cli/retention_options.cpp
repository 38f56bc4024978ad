#include "cli/retention_options.h"

#include <CLI/CLI.hpp>

#include <regex>

#include "pipeline/prune_run.h"
#include "util/error.h"
#include "util/log.h"

namespace pgdump2s3::cli {
namespace {

constexpr int kMaxKeep = 100000;

int count(const std::optional<std::string>& text, const char* variable) {
  if (!text) return 0;
  try {
    std::size_t used = 0;
    const int n = std::stoi(*text, &used);
    if (used == text->size() && n >= 0 && n <= kMaxKeep) return n;
  } catch (const std::exception&) {
  }
  throw ConfigError(std::string(variable) + "=" + *text + ": expected a count from 0 to " + std::to_string(kMaxKeep));
}

constexpr std::string_view kTimePlaceholders[] = {"{timestamp}", "{date}", "{time}"};

std::string regex_escaped(std::string_view text) {
  static const std::string kSpecial = R"(\^$.|?*+()[]{})";
  std::string out;
  for (char c : text) {
    if (kSpecial.find(c) != std::string::npos) out += '\\';
    out += c;
  }
  return out;
}

// The keys `key_template` makes: its time placeholders as the digits
// expand_key writes, {name} and {db} as this configuration's values.
std::regex template_pattern(const std::string& key_template, const KeyValues& values) {
  std::string pattern;
  for (std::size_t i = 0; i < key_template.size(); ++i) {
    const std::size_t close = key_template[i] == '{' ? key_template.find('}', i) : std::string::npos;
    if (close == std::string::npos) {
      pattern += regex_escaped(std::string_view(&key_template[i], 1));
      continue;
    }
    const std::string name = key_template.substr(i + 1, close - i - 1);
    if (name == "timestamp") pattern += R"(\d{8}T\d{6}Z)";
    else if (name == "date") pattern += R"(\d{4}-\d{2}-\d{2})";
    else if (name == "time") pattern += R"(\d{6})";
    else pattern += regex_escaped(expand_key(key_template.substr(i, close - i + 1), values));
    i = close;
  }
  return std::regex(pattern);
}

}  // namespace

void add_retention_flags(CLI::App& cmd, RetentionOptions& o) {
  cmd.add_option("--keep-last", o.keep_last, "Keep the N newest backups")->envname("BACKUP_KEEP_LAST");
  cmd.add_option("--keep-daily", o.keep_daily, "Keep the newest backup of each of the last N days that have one")
      ->envname("BACKUP_KEEP_DAILY");
  cmd.add_option("--keep-weekly", o.keep_weekly, "Keep the newest backup of each of the last N ISO weeks with one")
      ->envname("BACKUP_KEEP_WEEKLY");
  cmd.add_option("--keep-monthly", o.keep_monthly, "Keep the newest backup of each of the last N months with one")
      ->envname("BACKUP_KEEP_MONTHLY");
}

pipeline::RetentionPolicy retention_policy(const RetentionOptions& o) {
  pipeline::RetentionPolicy p;
  p.keep_last = count(o.keep_last, "BACKUP_KEEP_LAST");
  p.keep_daily = count(o.keep_daily, "BACKUP_KEEP_DAILY");
  p.keep_weekly = count(o.keep_weekly, "BACKUP_KEEP_WEEKLY");
  p.keep_monthly = count(o.keep_monthly, "BACKUP_KEEP_MONTHLY");
  return p;
}

pipeline::RetentionPolicy retention_from_environment(const Environment& env) {
  return retention_policy({env.get("BACKUP_KEEP_LAST"), env.get("BACKUP_KEEP_DAILY"), env.get("BACKUP_KEEP_WEEKLY"),
                           env.get("BACKUP_KEEP_MONTHLY")});
}

void prune_after_backup(s3::S3Client& client, const std::string& bucket, const std::string& key_template,
                        const KeyValues& values, const pipeline::RetentionPolicy& policy) {
  std::size_t first_time = std::string::npos;
  for (std::string_view p : kTimePlaceholders) first_time = std::min(first_time, key_template.find(p));
  if (first_time == std::string::npos) {
    log::warn("BACKUP_KEEP_* is set, but s3://" + bucket + "/" + key_template + " has no {timestamp} or {date}: each "
              "backup replaces the last, so there is no history to prune");
    return;
  }
  const std::string prefix = expand_key(key_template.substr(0, first_time), values);
  const std::regex pattern = template_pattern(key_template, values);
  pipeline::PruneOptions options;
  options.policy = policy;
  options.belongs = [&pattern](std::string_view key) { return std::regex_match(key.begin(), key.end(), pattern); };
  const pipeline::PruneReport report = pipeline::prune_backups(client, bucket, prefix, options);
  std::string deleted;
  for (const pipeline::RetentionDecision& d : report.plan) {
    if (!d.keep) deleted += (deleted.empty() ? "" : ", ") + d.key;
  }
  log::info("retention (" + policy.describe() + ") under s3://" + bucket + "/" + prefix + ": kept " +
            std::to_string(report.kept()) + ", deleted " + std::to_string(report.dropped()) +
            (deleted.empty() ? "" : ": " + deleted));
}

}  // namespace pgdump2s3::cli
