// Pruning the backups under a prefix by a retention policy (retention.h):
// list, plan, then DeleteObjects for each backup the plan drops together
// with its manifest; optionally abort multipart uploads left open under the
// prefix (a backup killed with SIGKILL leaves its parts billed until then).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/retention.h"
#include "s3/s3_client.h"

namespace pgdump2s3::pipeline {

struct PruneOptions {
  RetentionPolicy policy;
  bool dry_run = false;  // plan only: nothing is deleted or aborted
  // Abort uploads initiated longer ago than this; nullopt: leave them.
  std::optional<std::chrono::seconds> abort_uploads_older_than;
  // Only keys it accepts are pruned (the after-backup retention keeps to
  // its own destination template); unset: every backup under the prefix.
  std::function<bool(std::string_view key)> belongs;
};

struct PruneReport {
  std::vector<RetentionDecision> plan;  // newest first
  std::vector<std::string> deleted_keys;  // backups, their manifests, orphaned manifests (dry run: would be)
  std::vector<s3::MultipartUploadSummary> stale_uploads;  // aborted (dry run: would be)
  int kept() const;
  int dropped() const;
};

// Throws ConfigError when the policy is empty (it would keep only the newest
// backup: surely not what was meant), S3Error / RuntimeError when S3 fails.
PruneReport prune_backups(s3::S3Client& client, const std::string& bucket, const std::string& prefix,
                          const PruneOptions& options);

}  // namespace pgdump2s3::pipeline
