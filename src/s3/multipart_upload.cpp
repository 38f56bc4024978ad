#include "s3/multipart_upload.h"

#include <stdexcept>

#include "util/log.h"

namespace pgdump2s3::s3 {
namespace {

Body body_of(const PartData& data) {
  Body body;
  body.reserve(data.size());
  for (const PartPiece& piece : data) body.push_back(piece.bytes);
  return body;
}

std::uint64_t size_of(const PartData& data) {
  std::uint64_t size = 0;
  for (const PartPiece& piece : data) size += piece.bytes.size();
  return size;
}

}  // namespace

MultipartUpload::MultipartUpload(const S3Client& client, S3Location destination, MultipartUploadOptions options)
    : control_(client.new_connection()), destination_(std::move(destination)), options_(std::move(options)) {
  if (options_.concurrency == 0) throw std::invalid_argument("MultipartUpload: concurrency must be at least 1");
}

MultipartUpload::~MultipartUpload() {
  try {
    abort();
  } catch (const std::exception& e) {
    log::error(e.what());
  }
}

void MultipartUpload::add_part(PartData data) {
  State state = state_.load();
  if (state != State::kCollecting && state != State::kUploading) {
    throw std::logic_error("MultipartUpload::add_part after the upload ended");
  }
  if (stop_.load()) fail(failure_reason());
  const std::uint64_t size = size_of(data);
  if (size == 0) throw std::invalid_argument("MultipartUpload::add_part: empty part");
  // Every part but the last must be at least 5 MiB (S3: EntityTooSmall);
  // a part that is followed by another was not the last.
  if (parts_added_ > 0 && last_part_size_ < kMinPartSize) {
    throw std::invalid_argument("MultipartUpload::add_part: part " + std::to_string(parts_added_) + " has " +
                                std::to_string(last_part_size_) + " bytes, less than S3's 5 MiB minimum");
  }
  if (parts_added_ == kMaxParts) {
    fail("the object needs more than S3's 10,000 parts (" + std::to_string(total_size_) + " bytes so far)");
  }
  for (const PartPiece& piece : data) object_sha256_.update(piece.bytes);
  total_size_ += size;
  last_part_size_ = size;
  PendingPart part{++parts_added_, size, std::move(data)};

  if (state == State::kCollecting) {
    if (part.number == 1) {
      held_first_ = std::move(part);  // may be the whole object: no request yet
      return;
    }
    start_multipart();
    enqueue(std::move(*held_first_));
    held_first_.reset();
  }
  enqueue(std::move(part));
}

void MultipartUpload::start_multipart() {
  try {
    upload_id_ = control_.create_multipart_upload(destination_, options_.object);
  } catch (...) {
    state_ = State::kFailed;  // nothing was created: nothing to abort
    held_first_.reset();
    throw;
  }
  log::info("multipart upload started",
            {{"object", destination_.uri()}, {"upload_id", upload_id_},
             {"concurrency", std::to_string(options_.concurrency)}});
  state_ = State::kUploading;
  worker_clients_.reserve(options_.concurrency);
  for (std::size_t i = 0; i < options_.concurrency; ++i) {
    worker_clients_.push_back(control_.new_connection());
    worker_clients_.back().set_interrupt([this] { return stop_.load(); });
  }
  for (S3Client& client : worker_clients_) workers_.emplace_back([this, &client] { worker(client); });
}

void MultipartUpload::enqueue(PendingPart part) {
  const std::size_t allowed = options_.memory_budget == 0
                                  ? options_.concurrency
                                  : max_parts_in_flight(options_.memory_budget, part.size, options_.concurrency);
  std::unique_lock lock(mutex_);
  // Backpressure: the owner (and so the compressor, the reader, pg_dump)
  // waits here while `allowed` parts are in flight.
  part_done_.wait(lock, [&] { return in_flight_ < allowed || stop_.load(); });
  if (stop_.load()) {
    lock.unlock();
    fail(failure_reason());
  }
  queue_.push_back(std::move(part));
  ++in_flight_;
  work_available_.notify_one();
}

void MultipartUpload::worker(S3Client& client) {
  for (;;) {
    PendingPart part;
    {
      std::unique_lock lock(mutex_);
      work_available_.wait(lock, [&] { return !queue_.empty() || no_more_parts_ || stop_.load(); });
      if (stop_.load() || queue_.empty()) return;
      part = std::move(queue_.front());
      queue_.pop_front();
    }
    try {
      Body body = body_of(part.data);
      BodyDigests digests = client.digests_of(body);
      std::string etag = client.upload_part(destination_, upload_id_, part.number, body, digests);
      part.data.clear();  // S3 has the bytes: give the buffers back before making room
      std::lock_guard lock(mutex_);
      uploaded_[part.number] = {part.number, part.size, std::move(etag), std::move(digests.md5_base64),
                                std::move(digests.sha256_hex), std::move(digests.sha256_base64)};
      --in_flight_;
    } catch (...) {
      part.data.clear();
      std::lock_guard lock(mutex_);
      if (!failure_ && !stop_.load()) failure_ = std::current_exception();
      stop_ = true;
      --in_flight_;
      work_available_.notify_all();
    }
    part_done_.notify_all();
  }
}

void MultipartUpload::interrupt() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  work_available_.notify_all();
  part_done_.notify_all();
}

void MultipartUpload::stop_workers() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  work_available_.notify_all();
  for (std::thread& t : workers_) t.join();
  workers_.clear();
  std::lock_guard lock(mutex_);
  queue_.clear();
  in_flight_ = 0;
}

std::string MultipartUpload::failure_reason() {
  std::lock_guard lock(mutex_);
  if (!failure_) return "upload of " + destination_.uri() + " cancelled";
  try {
    std::rethrow_exception(failure_);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "upload of " + destination_.uri() + " failed";
  }
}

std::string MultipartUpload::abort_multipart() {
  stop_workers();
  try {
    control_.abort_multipart_upload(destination_, upload_id_);
  } catch (const std::exception& e) {
    state_ = State::kFailed;
    log::error("could not abort the multipart upload", {{"object", destination_.uri()}, {"upload_id", upload_id_}});
    return std::string("the multipart upload could not be aborted (") + e.what() +
           "); its parts are billed until it is aborted: aws s3api abort-multipart-upload --bucket " +
           destination_.bucket + " --key '" + destination_.key + "' --upload-id " + upload_id_;
  }
  state_ = State::kAborted;
  log::info("multipart upload aborted", {{"object", destination_.uri()}, {"upload_id", upload_id_}});
  return "the multipart upload was aborted";
}

void MultipartUpload::fail(const std::string& reason) {
  State state = state_.load();
  if (state == State::kUploading || state == State::kCompleting) {
    throw RuntimeError(reason + "; " + abort_multipart());
  }
  held_first_.reset();
  state_ = State::kAborted;
  throw RuntimeError(reason);
}

UploadResult MultipartUpload::finish() {
  State state = state_.load();
  if (state != State::kCollecting && state != State::kUploading) {
    throw std::logic_error("MultipartUpload::finish after the upload ended");
  }
  if (stop_.load()) fail(failure_reason());
  UploadResult result;
  result.size = total_size_;
  result.sha256_hex = object_sha256_.finish_hex();

  if (state == State::kCollecting) {
    // The stream ended within its first part: one PutObject (0 bytes too).
    PartData data = held_first_ ? std::move(held_first_->data) : PartData{};
    held_first_.reset();
    Body body = body_of(data);
    BodyDigests digests = control_.digests_of(body);
    try {
      result.etag = control_.put_object(destination_, body, digests, options_.object);
    } catch (...) {
      state_ = State::kFailed;  // a failed PutObject leaves the previous object as it was
      throw;
    }
    result.parts.push_back({1, total_size_, result.etag, std::move(digests.md5_base64), std::move(digests.sha256_hex),
                            std::move(digests.sha256_base64)});
    state_ = State::kCompleted;
    return result;
  }

  {
    std::lock_guard lock(mutex_);
    no_more_parts_ = true;
  }
  work_available_.notify_all();
  for (std::thread& t : workers_) t.join();
  workers_.clear();
  if (stop_.load()) fail(failure_reason());

  state_ = State::kCompleting;
  std::vector<CompletedPart> completed;
  for (auto& [number, part] : uploaded_) {
    bool declared_sha256 = control_.config().checksum == PayloadChecksum::kSha256;
    completed.push_back({number, part.etag, declared_sha256 ? part.sha256_base64 : std::string()});
    result.parts.push_back(std::move(part));
  }
  try {
    result.etag = control_.complete_multipart_upload(destination_, upload_id_, completed);
  } catch (const std::exception& e) {
    fail(e.what());
  }
  state_ = State::kCompleted;
  result.multipart = true;
  result.upload_id = upload_id_;
  log::info("multipart upload completed", {{"object", destination_.uri()},
                                           {"parts", std::to_string(completed.size())},
                                           {"bytes", std::to_string(total_size_)}});
  return result;
}

void MultipartUpload::abort() {
  State state = state_.load();
  if (state == State::kCollecting) {
    held_first_.reset();  // nothing was sent
    state_ = State::kAborted;
    return;
  }
  if (state != State::kUploading && state != State::kCompleting) {
    stop_workers();  // joins workers left by a failed abort; nothing else to do
    return;
  }
  std::string outcome = abort_multipart();
  if (state_.load() == State::kFailed) throw RuntimeError("upload of " + destination_.uri() + " abandoned: " + outcome);
}

}  // namespace pgdump2s3::s3
