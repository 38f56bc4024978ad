#include "pipeline/restore_stream.h"

#include <exception>

#include "pipeline/decompressor.h"
#include "util/digest.h"
#include "util/error.h"

namespace pgdump2s3::pipeline {
namespace {

// Runs one stage's step; with kRecordAndHashToTheEnd a failure is written to
// `record` and the stage is switched off (`failed`) instead of thrown.
template <typename Step>
void guarded(StreamFailures failures, bool& failed, std::string& record, const std::string& prefix, Step&& step) {
  if (failed) return;
  try {
    step();
  } catch (const std::exception& e) {
    if (failures == StreamFailures::kStop) throw;
    failed = true;
    record = prefix + e.what();
  }
}

}  // namespace

StreamResult stream_dump(s3::S3Client& client, const s3::S3Location& at, const SinkFactory& make_sink,
                         StreamCounters& counters, StreamFailures failures) {
  const std::string uri = at.uri();
  StreamResult result;
  StreamingDigest object_sha256(StreamingDigest::Kind::kSha256);
  StreamingDigest dump_sha256(StreamingDigest::Kind::kSha256);
  std::string compressed_head;  // object bytes until the magic number is known
  std::unique_ptr<Decompressor> decompressor;
  std::string dump_head;  // dump bytes until the archive kind is known
  std::unique_ptr<DumpSink> sink;
  bool decompress_failed = false;
  bool sink_failed = false;

  auto open_sink = [&] {
    result.archive = detect_archive(dump_head);
    result.archive_known = true;
    sink = make_sink(result.archive, dump_head);
    std::string head = std::move(dump_head);
    dump_head.clear();
    if (!head.empty()) sink->write(head);
  };
  // The decompressor's output.
  auto on_dump = [&](std::string_view bytes) {
    dump_sha256.update(bytes);
    result.dump_bytes += bytes.size();
    counters.decompressed.fetch_add(bytes.size(), std::memory_order_relaxed);
    guarded(failures, sink_failed, result.sink_failure, "", [&] {
      if (sink) {
        sink->write(bytes);
        return;
      }
      dump_head.append(bytes);
      if (dump_head.size() >= kArchiveDetectBytes) open_sink();
    });
  };
  auto start_decompressor = [&] {
    result.compression = detect_compression(compressed_head);
    decompressor = make_decompressor(result.compression, on_dump);
    std::string head = std::move(compressed_head);
    compressed_head.clear();
    decompressor->write(head);
  };
  // Runs inside libcurl's write callback: nothing may be thrown through it,
  // so a failure is kept and the download stopped by returning false.
  std::exception_ptr stopped_by;
  auto on_object = [&](std::string_view bytes) {
    object_sha256.update(bytes);
    result.object_bytes += bytes.size();
    counters.downloaded.fetch_add(bytes.size(), std::memory_order_relaxed);
    try {
      guarded(failures, decompress_failed, result.decompress_failure, uri + ": ", [&] {
        if (decompressor) {
          decompressor->write(bytes);
          return;
        }
        compressed_head.append(bytes);
        if (compressed_head.size() >= kCompressionMagicBytes) start_decompressor();
      });
      return true;
    } catch (...) {
      stopped_by = std::current_exception();
      return false;
    }
  };

  try {
    result.object = client.get_object(at, on_object);
  } catch (...) {
    if (stopped_by) std::rethrow_exception(stopped_by);
    throw;
  }
  if (result.object_bytes == 0) throw RuntimeError(uri + ": the object is empty (0 bytes): it holds no backup");

  // The end of the object: the compressed stream must be complete, then the
  // sink finishes its work (pg_restore's exit status).
  guarded(failures, decompress_failed, result.decompress_failure, uri + ": ", [&] {
    if (!decompressor) start_decompressor();  // an object shorter than a magic number
    decompressor->finish();
  });
  if (!decompress_failed) {
    guarded(failures, sink_failed, result.sink_failure, "", [&] {
      if (!sink) open_sink();  // a dump shorter than a tar header
      sink->finish();
    });
  }
  result.object_sha256 = object_sha256.finish_hex();
  result.dump_sha256 = dump_sha256.finish_hex();
  return result;
}

}  // namespace pgdump2s3::pipeline
