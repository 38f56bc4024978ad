// One pass over a backup object, the read side of DESIGN.md's data path:
//
//   GetObject (Range-resumed, If-Match) → SHA-256 of the object
//     → Decompressor (gzip / zstd / none, told by the magic number)
//     → SHA-256 of the dump → archive kind told by the first 512 bytes
//     → DumpSink (pg_restore, psql, tar, or a check)
//
// Nothing is spooled: each piece goes through every stage as it arrives, on
// the calling thread. A sink that blocks (pg_restore busy with an index)
// blocks the download; S3Client resumes with a Range request if the
// connection drops meanwhile.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "pipeline/compressor.h"
#include "pipeline/restore_format.h"
#include "s3/s3_client.h"

namespace pgdump2s3::pipeline {

// Where the dump's bytes go.
class DumpSink {
 public:
  virtual ~DumpSink() = default;
  // May block (a pipe to a busy child); throws to stop the stream.
  virtual void write(std::string_view bytes) = 0;
  // The whole dump was written: finish the work and throw if it failed.
  virtual void finish() = 0;
};

// Makes the sink once the kind is known. `head` is the dump's first bytes
// (at least kArchiveDetectBytes unless the dump is shorter); the stream
// writes them to the sink itself.
using SinkFactory = std::function<std::unique_ptr<DumpSink>(ArchiveKind kind, std::string_view head)>;

// Updated as bytes flow, read by a ProgressReporter on its own thread.
struct StreamCounters {
  std::atomic<std::uint64_t> downloaded{0};    // object bytes
  std::atomic<std::uint64_t> decompressed{0};  // dump bytes
};

enum class StreamFailures {
  // Restore: the first failure (corrupt data, pg_restore gone) stops the
  // download and is thrown.
  kStop,
  // Verify: the first failure of the decompressor or the sink is recorded
  // and the rest of the object is still downloaded and hashed, so that the
  // checksum is reported too. S3 errors still throw.
  kRecordAndHashToTheEnd,
};

struct StreamResult {
  s3::ObjectInfo object;  // HEAD at the start (size, ETag, metadata)
  CompressionFormat compression = CompressionFormat::kNone;
  ArchiveKind archive = ArchiveKind::kPlain;
  bool archive_known = false;  // false when the stream failed before 512 bytes of dump
  std::uint64_t object_bytes = 0;
  std::string object_sha256;
  std::uint64_t dump_bytes = 0;
  std::string dump_sha256;
  // kRecordAndHashToTheEnd only: the first failure, one line, and which
  // stage it came from; empty when none.
  std::string decompress_failure;
  std::string sink_failure;
};

// Streams s3://at into the sink made by `make_sink`. Throws S3Error when the
// object cannot be read; with StreamFailures::kStop, also RuntimeError for
// corrupt or truncated data and whatever the sink throws.
StreamResult stream_dump(s3::S3Client& client, const s3::S3Location& at, const SinkFactory& make_sink,
                         StreamCounters& counters, StreamFailures failures = StreamFailures::kStop);

}  // namespace pgdump2s3::pipeline
