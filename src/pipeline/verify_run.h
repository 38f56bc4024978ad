// Verifying a backup without trusting it, in one download:
//
//   integrity record  the manifest KEY.manifest.json (sha256, size,
//                     dump_sha256, dump_size), else the object's metadata
//                     (x-amz-meta-sha256): which one is said
//   size, sha256      of the bytes downloaded, against the record
//   compression       the gzip / zstd stream complete and valid (every
//                     member's CRC-32 and length, every frame's checksum)
//   dump sha256       of the decompressed dump, against the manifest
//   archive           pg_restore --list reads its table of contents, or the
//                     SQL ends as pg_dump's plain output ends
//   test restore      with a server: the whole dump restored into a
//                     throwaway database (created, counted, dropped)
//
// Every check runs even after one failed (a corrupt stream is still hashed
// to the end), so the report says everything that is wrong at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/restore_target.h"
#include "s3/s3_client.h"

namespace pgdump2s3::pipeline {

struct VerifyJob {
  s3::S3Location source;
  // The server for the test restore; nullopt: no test restore. The user
  // needs CREATEDB; the database it names is not touched.
  std::optional<std::string> restore_into_url;
  std::string restore_into_variable = "VERIFY_RESTORE_INTO";
  RestoreSettings settings;  // tools, BACKUPS_TEMP_DIR, quiet
};

struct VerifyCheck {
  std::string name;  // "integrity record", "size", "sha256", ...
  bool ok = false;
  std::string detail;
};

struct VerifyReport {
  std::string url;
  std::vector<VerifyCheck> checks;
  std::string compression;
  std::string archive;
  std::uint64_t object_bytes = 0;
  std::uint64_t dump_bytes = 0;
  std::chrono::steady_clock::duration duration{};
  bool ok() const;
  // The failed checks, "name: detail; ...", for the one-line error.
  std::string failures() const;
};

// Throws ConfigError when there is no such object or the restore server is
// unusable, S3Error when the object cannot be downloaded; every finding
// about the backup itself is a check in the report.
VerifyReport verify_backup(const VerifyJob& job, s3::S3Client& client);

}  // namespace pgdump2s3::pipeline
