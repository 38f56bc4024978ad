// The backups under an S3 prefix: every object but the manifests
// (KEY.manifest.json, backup_run.h), each paired with its manifest, newest
// first. A backup's time is the one its key carries ({timestamp}, or
// {date} with an optional {time}: cli/destination.h), which says when the
// backup started and survives copies between buckets; else LastModified.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "s3/s3_client.h"

namespace pgdump2s3::pipeline {

using TimePoint = std::chrono::system_clock::time_point;

struct BackupEntry {
  std::string key;
  std::uint64_t size = 0;
  std::string etag;
  std::string last_modified;  // as S3 listed it (ISO 8601)
  TimePoint time{};
  bool time_from_key = false;
  bool has_manifest = false;  // KEY.manifest.json is in the listing
};

struct BackupListing {
  std::vector<BackupEntry> backups;  // newest first (time, then LastModified, then key)
  // Manifests whose backup is not there (deleted by hand, or an aborted
  // overwrite): prune removes them.
  std::vector<std::string> orphaned_manifests;
};

BackupListing list_backups(s3::S3Client& client, const std::string& bucket, const std::string& prefix);

// Orders backups newest first, the order list_backups returns.
void sort_newest_first(std::vector<BackupEntry>& backups);

// The time in a key: the last "YYYYMMDDTHHMMSSZ" ({timestamp}), else the last
// "YYYY-MM-DD" ({date}), with the time of day when "HHMMSS" ({time})
// follows it after one separator ("2026-11-25/153000.dump.gz"). UTC, as
// expand_key writes them. nullopt when there is none or it is not a real date.
std::optional<TimePoint> time_from_key(std::string_view key);

// S3's LastModified in a listing ("2026-11-25T15:30:00.000Z"; an offset
// such as "+01:00" instead of "Z" is honoured). nullopt when unreadable.
std::optional<TimePoint> parse_iso8601(std::string_view text);
// "2026-11-25T15:30:00Z".
std::string format_iso8601(TimePoint time);

// The manifest beside `key`, parsed; nullopt when there is none (404).
// Throws RuntimeError when it exists but is not JSON.
std::optional<nlohmann::json> read_manifest(s3::S3Client& client, const std::string& bucket, const std::string& key);

// Whether a manifest describes this listed object: the same key and size,
// and the same ETag when both are known (Ceph RGW returns none from
// CompleteMultipartUpload). Empty when it does; else why not, one phrase.
std::string manifest_mismatch(const nlohmann::json& manifest, const BackupEntry& backup);

}  // namespace pgdump2s3::pipeline
