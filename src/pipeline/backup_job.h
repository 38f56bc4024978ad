// One backup to run, fully resolved from flags and environment
// (cli/backup_plan.cpp). BackupRun receives it and checks nothing twice.
#pragma once

#include <cstdint>
#include <string>

#include "pg/dump_arguments.h"
#include "pipeline/compressor.h"

namespace pgdump2s3::pipeline {

struct BackupJob {
  // Configuration name from BACKUP_CONFIGURATION_NAMES (upper case), or
  // empty for the single DATABASE_URL / S3_DESTINATION pair.
  std::string name;
  std::string database_url;  // holds the password: never log it (DatabaseUrl::redacted)
  std::string database_url_variable = "DATABASE_URL";  // named in errors
  std::string bucket;
  std::string key;  // placeholders already expanded
  pg::DumpArguments dump;  // without connection options or output file
  CompressionSettings compression;
  std::string pg_dump_path;                  // PG_DUMP_PATH: a file or a folder; empty = search
  std::string temp_dir = "/tmp/db-backups";  // BACKUPS_TEMP_DIR: directory mode only
  int dump_jobs = 4;                         // THREAD_COUNT: pg_dump --jobs in directory mode
  std::uint64_t max_memory = 64ull << 20;    // MAX_MEMORY
  int upload_concurrency = 4;                // UPLOAD_CONCURRENCY: parts uploading at once, at most
  bool quiet = false;                        // no progress lines, no relayed pg_dump stderr

  std::string url() const { return "s3://" + bucket + "/" + key; }
};

}  // namespace pgdump2s3::pipeline
