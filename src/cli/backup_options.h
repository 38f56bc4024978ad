// The backup command's settings as given: every one a flag and an
// environment variable (flags win), named as fly-pg-dump-to-s3 named them
// where it had them. resolve_backup_jobs() turns them into typed jobs.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pipeline/backup_job.h"
#include "util/env.h"

namespace CLI {
class App;
}

namespace pgdump2s3::cli {

struct BackupOptions {
  std::optional<std::string> database_url;         // DATABASE_URL
  std::optional<std::string> s3_destination;       // S3_DESTINATION
  std::optional<std::string> configuration_names;  // BACKUP_CONFIGURATION_NAMES
  std::optional<std::string> pg_dump_args;         // PG_DUMP_ARGS
  std::optional<std::string> pg_dump_path;         // PG_DUMP_PATH
  std::optional<std::string> temp_dir;             // BACKUPS_TEMP_DIR
  std::optional<std::string> threads;              // THREAD_COUNT
  std::optional<std::string> compression_threads;  // COMPRESSION_THREAD_COUNT
  std::optional<std::string> compress_level;       // COMPRESS_LEVEL
  std::optional<std::string> compressor;           // COMPRESSOR: isal, libdeflate, zlib
  std::optional<std::string> max_memory;           // MAX_MEMORY
  std::optional<std::string> upload_concurrency;   // UPLOAD_CONCURRENCY
  bool quiet = false;                              // QUIET
  bool dry_run = false;
};

// Adds the flags (with their environment variables) to the command.
void add_backup_flags(CLI::App& command, BackupOptions& options);

// One job per configuration: the single DATABASE_URL/S3_DESTINATION pair, or
// one per BACKUP_CONFIGURATION_NAMES entry (NAME_DATABASE_URL,
// NAME_S3_DESTINATION, optional NAME_PG_DUMP_ARGS; NAME upper-cased as the
// old tool did). Keys keep their placeholders (the job's start expands
// them). Throws ConfigError, one line naming the variable, for anything
// wrong; never contacts a server.
struct PlannedBackup {
  pipeline::BackupJob job;  // job.key still holds the template
  std::string destination_variable;
};
std::vector<PlannedBackup> resolve_backup_jobs(const BackupOptions& options, const Environment& env);

}  // namespace pgdump2s3::cli
