// The backup destination: `s3://bucket/key`, where the key may be a template
// for a history of backups without bucket versioning:
//   s3://bucket/{name}/{date}/{timestamp}.dump.gz
// A key without placeholders keeps the old tool's overwrite-one-key
// behaviour.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace pgdump2s3::cli {

struct Destination {
  std::string bucket;
  std::string key_template;  // may hold placeholders

  bool is_template() const;
  std::string url() const { return "s3://" + bucket + "/" + key_template; }
};

// Checks and splits an S3 destination. `variable` names where it came from
// (S3_DESTINATION, STAGING_S3_DESTINATION, --s3-destination) for the one-line
// ConfigError that says what is wrong and what to write instead.
Destination parse_destination(std::string_view text, std::string_view variable);

struct KeyValues {
  std::chrono::system_clock::time_point time;  // the backup's start
  std::string name;                            // configuration name, lower-case
  std::string db;                              // database name
};

// Replaces the placeholders: {timestamp} (UTC, sortable: 20261125T153000Z),
// {date} (2026-11-25), {time} (153000), {name}, {db}.
std::string expand_key(const std::string& key_template, const KeyValues& values);

// The placeholders a destination may use, for --help.
inline constexpr std::string_view kKeyPlaceholders = "{timestamp} {date} {time} {name} {db}";

}  // namespace pgdump2s3::cli
