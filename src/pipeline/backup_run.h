// One backup, start to finish (DESIGN.md "The data path of one backup"):
//
//   preflight (libpq) → pg_dump (child) → FdReader → Compressor → PartAssembler
//   → MultipartUpload → CompleteMultipartUpload only after pg_dump exited 0
//
// Threads: run() is the driver thread: it reads pg_dump's pipe, feeds the
// compressor, assembles parts and hands them to the uploader, waiting
// wherever the next stage is full. The compressor's and the uploader's
// workers are theirs; a SIGINT/SIGTERM listener only wakes things up
// (signals the child, cancels the pools, interrupts the upload).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "pipeline/backup_job.h"
#include "s3/s3_client.h"
#include "util/env.h"

namespace pgdump2s3::pipeline {

struct BackupReport {
  std::string url;          // s3://bucket/key
  std::string etag;
  std::uint64_t dump_bytes = 0;
  std::uint64_t object_bytes = 0;
  std::string dump_sha256;
  std::string object_sha256;
  int parts = 0;
  std::chrono::steady_clock::duration duration{};
  std::string server_version;   // "15.18"
  std::string pg_dump_version;  // "15.18"
  bool manifest_written = false;
};

class BackupRun {
 public:
  BackupRun(BackupJob job, const s3::S3Client& client, Environment env);

  // Runs the backup. Throws ConfigError when preflight finds a mistake
  // (nothing was uploaded), RuntimeError when the backup failed (the upload
  // was aborted: nothing committed, the previous object untouched).
  BackupReport run();

 private:
  BackupJob job_;
  const s3::S3Client& client_;
  Environment env_;
};

// The manifest object written beside a backup: KEY.manifest.json.
std::string manifest_key(const std::string& backup_key);
inline constexpr std::string_view kManifestSuffix = ".manifest.json";

}  // namespace pgdump2s3::pipeline
