// What `restore` and `verify` share: where the backup is (SRC, or --latest
// with a prefix) and how its dump is read (which pg_restore / psql, where a
// directory-format dump is unpacked, progress lines or not).
#pragma once

#include <optional>
#include <string>

#include "pipeline/restore_target.h"
#include "s3/s3_client.h"
#include "util/env.h"

namespace CLI {
class App;
}

namespace pgdump2s3::cli {

struct SourceOptions {
  std::string source;  // s3://bucket/key, or a prefix with --latest
  bool latest = false;
};
// SRC (env `source_variable`) and --latest (env `latest_variable`).
void add_source_flags(CLI::App& command, SourceOptions& options, const std::string& source_variable,
                      const std::string& latest_variable);

// The object SRC names; with --latest, the newest backup under the prefix
// SRC (backup_listing.h: the time in its key, else LastModified). Throws
// ConfigError when SRC is not an s3:// URI or the prefix holds no backup.
s3::S3Location resolve_source(s3::S3Client& client, const SourceOptions& options);

struct ReadOptions {
  std::optional<std::string> pg_restore_path;  // PG_RESTORE_PATH, else PG_DUMP_PATH
  std::optional<std::string> temp_dir;         // BACKUPS_TEMP_DIR
  bool quiet = false;                          // QUIET
};
void add_read_flags(CLI::App& command, ReadOptions& options);
pipeline::RestoreSettings restore_settings(const ReadOptions& options, const Environment& env);

}  // namespace pgdump2s3::cli
