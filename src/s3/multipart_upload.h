// Uploads one object from a stream of unknown length, part by part, as an
// explicit state machine (after aws-c-s3):
//
//   kCollecting ── second part ──▶ kUploading ── finish() ──▶ kCompleting ── 200 ──▶ kCompleted
//     │  (holds part 1: no request yet)   │ parts upload on N workers      │
//     │                                   │                                │ Complete failed
//     │ finish(): 0 or 1 part             │ a part failed, abort(),        ▼
//     ▼                                   │ interrupt()              AbortMultipartUpload
//   PutObject ──▶ kCompleted | kFailed    └──────────────────────────────▶ kAborted | kFailed
//
// Commit or nothing (DESIGN.md): CompleteMultipartUpload is sent only from
// finish(), which the caller calls once its input ended successfully. Any
// failure, abort() or interrupt() ends in AbortMultipartUpload, so that no
// parts stay billed and the object already at the key is untouched. A
// stream that ends within its first part goes up as one PutObject (also 0
// bytes), so a small backup costs one request and needs no multipart upload.
//
// The whole object's SHA-256 is computed here, in order, as parts are
// handed in (UploadResult::sha256_hex): the caller does not hash again.
//
// Threads: add_part(), finish() and abort() are called by one owner thread,
// which also sends Create, Complete, Abort and a single PutObject on its own
// connection. Parts upload on `concurrency` worker threads, each with its own
// connection (S3Client::new_connection). interrupt() may be called from any
// thread (the SIGTERM watcher). Members guarded by mutex_ are marked so; the
// rest belong to the owner thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "s3/part_schedule.h"
#include "s3/s3_client.h"
#include "util/digest.h"

namespace pgdump2s3::s3 {

// Bytes of a part, sent in place; `owner` keeps their memory alive until S3
// acknowledged the part (then it is dropped, returning a pool buffer). A
// pipeline::Slice converts as {slice.view(), slice.buffer}.
struct PartPiece {
  std::string_view bytes;
  std::shared_ptr<const void> owner;
};
using PartData = std::vector<PartPiece>;

struct MultipartUploadOptions {
  // Parts uploading at once, each on its own thread and connection.
  std::size_t concurrency = 4;
  // Bytes of parts in flight (handed in, not yet acknowledged) allowed at
  // once; see max_parts_in_flight. 0: concurrency alone bounds them.
  std::uint64_t memory_budget = 0;
  PutOptions object;  // metadata and content type of the object
};

struct UploadedPart {
  int number = 0;
  std::uint64_t size = 0;
  std::string etag;
  std::string md5_base64;     // sent as Content-MD5 (PayloadChecksum::kContentMd5; else empty)
  std::string sha256_hex;     // signed as the payload hash
  std::string sha256_base64;  // sent as x-amz-checksum-sha256 under PayloadChecksum::kSha256
};

struct UploadResult {
  bool multipart = false;
  std::string upload_id;  // empty for a single PutObject
  std::string etag;       // may be empty (Ceph RGW 16's CompleteMultipartUpload)
  std::uint64_t size = 0;
  std::string sha256_hex;  // of the whole object
  std::vector<UploadedPart> parts;  // a single PutObject is part 1
};

class MultipartUpload {
 public:
  enum class State { kCollecting, kUploading, kCompleting, kCompleted, kAborted, kFailed };

  // `client` is only used to make connections; it may be used elsewhere meanwhile.
  MultipartUpload(const S3Client& client, S3Location destination, MultipartUploadOptions options = {});
  // Aborts an upload that was neither finished nor aborted (errors logged).
  ~MultipartUpload();
  MultipartUpload(const MultipartUpload&) = delete;
  MultipartUpload& operator=(const MultipartUpload&) = delete;

  // Hands over the next part, in order. Every part but the last must be at
  // least 5 MiB (S3's minimum; std::invalid_argument otherwise). Waits while
  // as many parts as allowed are in flight (backpressure). When an upload
  // failed or was interrupted, aborts it and throws RuntimeError.
  void add_part(PartData part);

  // The input ended successfully: waits for every part, then completes the
  // upload (or sends the single PutObject). On failure aborts and throws
  // RuntimeError (one line: what failed, attempts, and what became of the upload).
  UploadResult finish();

  // The input failed or the backup is cancelled: stops the workers and
  // aborts the multipart upload (retried until S3 confirms). Idempotent;
  // does nothing after a completed upload. Throws RuntimeError when the
  // abort itself failed (the message says how to remove the upload by hand).
  void abort();

  // From any thread: makes in-flight part uploads stop early and the owner's
  // pending or next add_part()/finish() abort the upload and throw. Complete
  // is never interrupted once sent.
  void interrupt();

  State state() const { return state_.load(); }

 private:
  struct PendingPart {
    int number = 0;
    std::uint64_t size = 0;
    PartData data;
  };
  void start_multipart();
  void enqueue(PendingPart part);
  void worker(S3Client& client);
  void stop_workers();
  // Aborts after a failure and throws it, with what became of the upload.
  [[noreturn]] void fail(const std::string& reason);
  // Sends AbortMultipartUpload; returns what happened, for messages.
  std::string abort_multipart();
  std::string failure_reason();  // the workers' first error, or "cancelled"

  S3Client control_;  // the owner's connection: Create, Complete, Abort, PutObject
  const S3Location destination_;
  const MultipartUploadOptions options_;
  std::atomic<State> state_{State::kCollecting};

  // Owner thread only.
  std::string upload_id_;
  std::optional<PendingPart> held_first_;  // part 1 while it may be the whole object
  int parts_added_ = 0;
  std::uint64_t last_part_size_ = 0;
  std::uint64_t total_size_ = 0;
  StreamingDigest object_sha256_{StreamingDigest::Kind::kSha256};
  std::vector<S3Client> worker_clients_;
  std::vector<std::thread> workers_;

  std::mutex mutex_;
  std::condition_variable work_available_;  // workers wait for parts
  std::condition_variable part_done_;       // the owner waits for room (backpressure)
  std::deque<PendingPart> queue_;           // guarded by mutex_
  std::size_t in_flight_ = 0;               // guarded by mutex_: queued + uploading
  bool no_more_parts_ = false;              // guarded by mutex_
  std::map<int, UploadedPart> uploaded_;    // guarded by mutex_
  std::exception_ptr failure_;              // guarded by mutex_: the first worker error
  std::atomic<bool> stop_{false};           // failure or interrupt: workers stop, transfers end
};

}  // namespace pgdump2s3::s3
