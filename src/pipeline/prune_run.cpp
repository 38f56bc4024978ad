#include "pipeline/prune_run.h"

#include <algorithm>
#include <map>

#include "pipeline/backup_listing.h"
#include "pipeline/backup_run.h"
#include "util/error.h"
#include "util/log.h"

namespace pgdump2s3::pipeline {

int PruneReport::kept() const {
  return static_cast<int>(std::count_if(plan.begin(), plan.end(), [](const RetentionDecision& d) { return d.keep; }));
}
int PruneReport::dropped() const { return static_cast<int>(plan.size()) - kept(); }

PruneReport prune_backups(s3::S3Client& client, const std::string& bucket, const std::string& prefix,
                          const PruneOptions& options) {
  if (options.policy.empty()) {
    throw ConfigError("prune needs a policy: at least one of --keep-last, --keep-daily, --keep-weekly, --keep-monthly "
                      "(BACKUP_KEEP_LAST, _DAILY, _WEEKLY, _MONTHLY)");
  }
  PruneReport report;
  BackupListing listing = list_backups(client, bucket, prefix);
  if (options.belongs) {
    std::erase_if(listing.backups, [&](const BackupEntry& b) { return !options.belongs(b.key); });
    std::erase_if(listing.orphaned_manifests, [&](const std::string& m) {
      return !options.belongs(std::string_view(m).substr(0, m.size() - kManifestSuffix.size()));
    });
  }

  // "Good" needs the manifest read; only the newest good one matters, so
  // manifests are read from the newest backup down until one matches.
  std::vector<RetentionCandidate> candidates;
  bool good_found = false;
  for (const BackupEntry& b : listing.backups) {
    RetentionCandidate c{b.key, b.time, false};
    if (!good_found && b.has_manifest) {
      std::optional<nlohmann::json> manifest = read_manifest(client, bucket, b.key);
      c.good = good_found = manifest && manifest_mismatch(*manifest, b).empty();
    }
    candidates.push_back(std::move(c));
  }
  report.plan = plan_retention(std::move(candidates), options.policy);

  std::map<std::string, bool> has_manifest;
  for (const BackupEntry& b : listing.backups) has_manifest[b.key] = b.has_manifest;
  for (const RetentionDecision& d : report.plan) {
    if (d.keep) continue;
    report.deleted_keys.push_back(d.key);
    if (has_manifest[d.key]) report.deleted_keys.push_back(manifest_key(d.key));
  }
  report.deleted_keys.insert(report.deleted_keys.end(), listing.orphaned_manifests.begin(),
                             listing.orphaned_manifests.end());
  if (!options.dry_run && !report.deleted_keys.empty()) client.delete_objects(bucket, report.deleted_keys);

  if (options.abort_uploads_older_than) {
    const auto cutoff = std::chrono::system_clock::now() - *options.abort_uploads_older_than;
    for (const s3::MultipartUploadSummary& u : client.list_multipart_uploads(bucket, prefix)) {
      std::optional<TimePoint> initiated = parse_iso8601(u.initiated);
      if (!initiated) {
        log::warn("s3://" + bucket + "/" + u.key + ": upload " + u.upload_id + " has an unreadable Initiated time (" +
                  u.initiated + "); left alone");
        continue;
      }
      if (*initiated >= cutoff) continue;
      if (!options.dry_run) client.abort_multipart_upload(s3::S3Location{bucket, u.key}, u.upload_id);
      report.stale_uploads.push_back(u);
    }
  }
  return report;
}

}  // namespace pgdump2s3::pipeline
