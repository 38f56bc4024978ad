// One restore, start to finish:
//
//   check the object exists → connect to the target (CREATE DATABASE with
//   --create) → stream_dump: GetObject → decompress → pg_restore / psql
//   → ANALYZE (the planner has no statistics for restored tables until
//   autovacuum gets to them)
//
// Threads: run() drives everything on the calling thread; the children's
// stderr relays are theirs; a SIGINT/SIGTERM listener only stops the child
// and interrupts the download.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "pipeline/restore_target.h"
#include "s3/s3_client.h"

namespace pgdump2s3::pipeline {

struct RestoreJob {
  s3::S3Location source;
  std::string database_url;  // holds the password: never log it (DatabaseUrl::redacted)
  std::string database_url_variable = "RESTORE_DATABASE_URL";
  bool create_database = false;  // CREATE DATABASE <the URL's dbname> first
  bool analyze = true;
  RestoreSettings settings;
};

struct RestoreReport {
  std::string url;       // s3://bucket/key
  std::string database;  // redacted URL
  std::string compression;
  std::string archive;
  std::string tool;
  std::uint64_t object_bytes = 0;
  std::uint64_t dump_bytes = 0;
  std::chrono::steady_clock::duration duration{};  // download and restore
  std::chrono::steady_clock::duration analyze_duration{};
  bool analyzed = false;
  bool created_database = false;
  int ignored_errors = 0;
};

class RestoreRun {
 public:
  RestoreRun(RestoreJob job, s3::S3Client& client);

  // Throws ConfigError for what the user can fix before anything ran (no
  // such object, the database exists with --create, no tool fits) and
  // RuntimeError when the restore failed. A database this run created is
  // dropped again when the restore fails, so that the same command can be
  // run again.
  RestoreReport run();

 private:
  RestoreJob job_;
  s3::S3Client& client_;
};

// The maintenance database CREATE DATABASE and DROP DATABASE connect to
// (as createdb(1) does).
inline constexpr std::string_view kMaintenanceDatabase = "postgres";

}  // namespace pgdump2s3::pipeline
