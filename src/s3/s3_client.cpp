#include "s3/s3_client.h"

#include <algorithm>
#include <cctype>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "s3/signer.h"
#include "util/digest.h"
#include "util/log.h"

namespace pgdump2s3::s3 {
namespace {

// SHA-256 of zero bytes: the payload hash of a request without a body.
constexpr std::string_view kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
// DeleteObjects takes at most 1,000 keys per request (AWS S3 API reference).
constexpr std::size_t kDeleteBatch = 1000;

std::string to_lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

http::Headers object_headers(const PutOptions& options) {
  http::Headers headers;
  if (!options.content_type.empty()) headers.push_back({"Content-Type", options.content_type});
  for (const auto& [name, value] : options.metadata) {
    headers.push_back({"x-amz-meta-" + to_lower(name), value});
  }
  return headers;
}

std::string etag_of(const http::Response& response) {
  const std::string* etag = response.header("ETag");
  return etag == nullptr ? std::string() : *etag;
}

std::string object_uri(const OperationTarget& target) { return "s3://" + target.bucket + "/" + target.key; }

}  // namespace

PayloadChecksum default_checksum_for(const AwsSettings& settings) {
  return settings.endpoint_url.empty() ? PayloadChecksum::kSha256 : PayloadChecksum::kContentMd5;
}

BodyDigests BodyDigests::of(const Body& body, bool with_md5) {
  auto base64_of = [](const std::string& raw) {
    return base64({reinterpret_cast<const std::uint8_t*>(raw.data()), raw.size()});
  };
  StreamingDigest sha256(StreamingDigest::Kind::kSha256);
  for (std::string_view piece : body) sha256.update(piece);
  BodyDigests digests;
  std::string raw_sha256 = sha256.finish_raw();
  digests.sha256_hex = hex_lower({reinterpret_cast<const std::uint8_t*>(raw_sha256.data()), raw_sha256.size()});
  digests.sha256_base64 = base64_of(raw_sha256);
  if (with_md5) {
    StreamingDigest md5(StreamingDigest::Kind::kMd5);
    for (std::string_view piece : body) md5.update(piece);
    digests.md5_base64 = base64_of(md5.finish_raw());
  }
  return digests;
}

// Shared by every client made with new_connection().
struct S3Client::Shared {
  S3ClientConfig config;
  S3Endpoint endpoint;
  mutable std::mutex mutex;
  std::string region;           // guarded by mutex
  bool region_switched = false;  // guarded by mutex: S3 named another region once already

  explicit Shared(S3ClientConfig c) : config(std::move(c)), endpoint(config.settings), region(config.settings.region) {
    if (!config.transport) {
      http::Options options = config.http;
      if (options.ca_bundle.empty()) options.ca_bundle = config.settings.ca_bundle;
      config.transport = curl_transport(options);
    }
  }
};

S3Client::S3Client(S3ClientConfig config) : S3Client(std::make_shared<Shared>(std::move(config))) {}

S3Client::S3Client(std::shared_ptr<Shared> shared)
    : shared_(std::move(shared)), transport_(shared_->config.transport()), random_(std::random_device{}()) {}

S3Client::~S3Client() = default;
S3Client::S3Client(S3Client&&) noexcept = default;
S3Client& S3Client::operator=(S3Client&&) noexcept = default;

S3Client S3Client::new_connection() const { return S3Client(shared_); }

BodyDigests S3Client::digests_of(const Body& body) const {
  return BodyDigests::of(body, shared_->config.checksum == PayloadChecksum::kContentMd5);
}

void S3Client::add_checksum(http::Headers& headers, const BodyDigests& digests) const {
  if (shared_->config.checksum == PayloadChecksum::kSha256) {
    headers.push_back({"x-amz-checksum-sha256", digests.sha256_base64});
    return;
  }
  if (digests.md5_base64.empty()) throw std::invalid_argument("S3Client: body digests made without MD5");
  headers.push_back({"Content-MD5", digests.md5_base64});
}

void S3Client::set_interrupt(std::function<bool()> interrupted) { interrupted_ = std::move(interrupted); }

std::string S3Client::region() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->region;
}

const S3ClientConfig& S3Client::config() const { return shared_->config; }

bool S3Client::interrupted() const { return interrupted_ && interrupted_(); }

void S3Client::pause(std::chrono::milliseconds delay) const {
  // Sleep in slices so that a cancelled backup does not wait out a backoff.
  constexpr auto kSlice = std::chrono::milliseconds(50);
  auto until = std::chrono::steady_clock::now() + delay;
  while (!interrupted()) {
    auto left = until - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) return;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(left, kSlice));
  }
}

bool S3Client::switch_region(const std::string& from, const std::string& to) {
  std::lock_guard lock(shared_->mutex);
  // Another connection switched while this request was under way: retry
  // with the region it learnt.
  if (shared_->region != from) return true;
  if (to.empty() || to == from || shared_->region_switched) return false;
  shared_->region = to;
  shared_->region_switched = true;
  log::warn("S3 says the bucket is in another region; switching to it (set AWS_REGION to skip this)",
            {{"from", from}, {"to", to}});
  return true;
}

http::Response S3Client::execute(const OperationTarget& target, const std::function<RequestSpec()>& make_request,
                                 const std::function<std::uint64_t()>& progress) {
  const RetryPolicy& policy = shared_->config.retry;
  int attempts = 0;
  int failures_in_a_row = 0;  // what max_attempts limits
  bool refreshed_credentials = false;
  bool switched_region = false;
  auto interrupted_error = [&](const std::string& region) {
    S3Failure failure;
    failure.code = "Interrupted";
    failure.message = "the operation was cancelled";
    return S3Error(target, failure, attempts, region);
  };
  for (;;) {
    std::string region = this->region();
    if (interrupted()) throw interrupted_error(region);
    RequestSpec spec = make_request();
    http::Request request;
    request.method = spec.method;
    request.url = shared_->endpoint.url(region, target.bucket, spec.key, spec.query);
    request.headers = std::move(spec.headers);
    request.body = std::move(spec.body);
    request.on_body = std::move(spec.on_body);
    request.cancelled = interrupted_;
    std::string payload_hash = spec.payload_sha256.empty() ? std::string(kEmptySha256) : spec.payload_sha256;
    sigv4::sign_s3_request(request, shared_->config.credentials->get(), region, std::chrono::system_clock::now(),
                           payload_hash);

    ++attempts;
    std::uint64_t progress_before = progress ? progress() : 0;
    S3Failure failure;
    try {
      http::Response response = transport_->perform(request);
      std::optional<S3Failure> failed = failure_of(response);
      if (!failed) return response;
      failure = std::move(*failed);
    } catch (const http::TransportError& e) {
      failure = failure_of(e);
    }
    if (interrupted()) throw interrupted_error(region);

    if (failure.kind == FailureKind::kExpiredCredentials && !refreshed_credentials) {
      refreshed_credentials = true;
      log::info("S3 says the credentials expired; fetching new ones",
                {{"operation", target.operation}, {"source", shared_->config.credentials->source()}});
      shared_->config.credentials->invalidate();
      continue;
    }
    if (failure.kind == FailureKind::kWrongRegion && !switched_region && switch_region(region, failure.region)) {
      switched_region = true;
      continue;
    }
    if (!failure.retriable()) throw S3Error(target, failure, attempts, region);
    // A download that got further before the connection dropped starts a
    // fresh count: only attempts that make no progress use up the budget.
    if (progress && progress() > progress_before) failures_in_a_row = 0;
    if (++failures_in_a_row >= policy.max_attempts) throw S3Error(target, failure, attempts, region);
    std::chrono::milliseconds delay = policy.backoff(failures_in_a_row, random_);
    log::Fields fields = {{"operation", target.operation}, {"object", object_uri(target)}};
    if (target.part_number > 0) fields.emplace_back("part", std::to_string(target.part_number));
    fields.emplace_back("error", failure.summary());
    fields.emplace_back("attempt", std::to_string(attempts));
    fields.emplace_back("retry_in_ms", std::to_string(delay.count()));
    log::warn("S3 request failed; retrying", fields);
    pause(delay);
  }
}

std::string S3Client::put_object(const S3Location& at, const Body& body, const BodyDigests& digests,
                                 const PutOptions& options) {
  OperationTarget target{"PutObject", at.bucket, at.key};
  http::Response response = execute(target, [&] {
    RequestSpec spec;
    spec.method = "PUT";
    spec.key = at.key;
    spec.headers = object_headers(options);
    add_checksum(spec.headers, digests);
    spec.body = body;
    spec.payload_sha256 = digests.sha256_hex;
    return spec;
  });
  return etag_of(response);
}

std::string S3Client::create_multipart_upload(const S3Location& at, const PutOptions& options) {
  OperationTarget target{"CreateMultipartUpload", at.bucket, at.key};
  http::Response response = execute(target, [&] {
    RequestSpec spec;
    spec.method = "POST";
    spec.key = at.key;
    spec.query = "uploads";
    spec.headers = object_headers(options);
    // Declared up front: S3 then checks each part's x-amz-checksum-sha256
    // and wants them again in Complete (AWS S3 docs, "Checking object integrity").
    if (shared_->config.checksum == PayloadChecksum::kSha256) {
      spec.headers.push_back({"x-amz-checksum-algorithm", "SHA256"});
    }
    return spec;
  });
  return parse_upload_id(response.body);
}

std::string S3Client::upload_part(const S3Location& at, const std::string& upload_id, int part_number,
                                  const Body& body, const BodyDigests& digests) {
  OperationTarget target{"UploadPart", at.bucket, at.key, part_number};
  http::Response response = execute(target, [&] {
    RequestSpec spec;
    spec.method = "PUT";
    spec.key = at.key;
    spec.query = query_param("partNumber", std::to_string(part_number)) + "&" + query_param("uploadId", upload_id);
    add_checksum(spec.headers, digests);
    spec.body = body;
    spec.payload_sha256 = digests.sha256_hex;
    return spec;
  });
  std::string etag = etag_of(response);
  if (etag.empty()) {
    throw RuntimeError("UploadPart " + at.uri() + " part " + std::to_string(part_number) +
                       ": S3 answered without an ETag, which CompleteMultipartUpload needs");
  }
  return etag;
}

std::string S3Client::complete_multipart_upload(const S3Location& at, const std::string& upload_id,
                                                const std::vector<CompletedPart>& parts) {
  OperationTarget target{"CompleteMultipartUpload", at.bucket, at.key};
  const std::string xml = complete_multipart_upload_xml(parts);
  const BodyDigests digests = BodyDigests::of({xml});
  http::Response response = execute(target, [&] {
    RequestSpec spec;
    spec.method = "POST";
    spec.key = at.key;
    spec.query = query_param("uploadId", upload_id);
    spec.headers.push_back({"Content-MD5", digests.md5_base64});
    spec.body = {xml};
    spec.payload_sha256 = digests.sha256_hex;
    return spec;
  });
  return parse_complete_etag(response.body);
}

void S3Client::abort_multipart_upload(const S3Location& at, const std::string& upload_id) {
  OperationTarget target{"AbortMultipartUpload", at.bucket, at.key};
  try {
    execute(target, [&] {
      RequestSpec spec;
      spec.method = "DELETE";
      spec.key = at.key;
      spec.query = query_param("uploadId", upload_id);
      return spec;
    });
  } catch (const S3Error& e) {
    // Already aborted (an earlier attempt whose answer was lost) or gone.
    if (e.failure().code != "NoSuchUpload") throw;
  }
}

std::optional<ObjectInfo> S3Client::head_object(const S3Location& at) {
  OperationTarget target{"HeadObject", at.bucket, at.key};
  http::Response response;
  try {
    response = execute(target, [&] {
      RequestSpec spec;
      spec.method = "HEAD";
      spec.key = at.key;
      return spec;
    });
  } catch (const S3Error& e) {
    if (e.failure().status == 404) return std::nullopt;
    throw;
  }
  ObjectInfo info;
  if (const std::string* length = response.header("Content-Length")) info.size = std::stoull(*length);
  info.etag = etag_of(response);
  if (const std::string* modified = response.header("Last-Modified")) info.last_modified = *modified;
  if (const std::string* type = response.header("Content-Type")) info.content_type = *type;
  constexpr std::string_view kMetaPrefix = "x-amz-meta-";
  for (const http::Header& h : response.headers) {
    std::string name = to_lower(h.name);
    if (name.starts_with(kMetaPrefix)) info.metadata[name.substr(kMetaPrefix.size())] = h.value;
  }
  return info;
}

ObjectInfo S3Client::get_object(const S3Location& at, const std::function<bool(std::string_view)>& on_body,
                                std::optional<ByteRange> range) {
  OperationTarget target{"GetObject", at.bucket, at.key};
  // The ETag and size come first, so that every GET (the first and any
  // resumed one) is pinned to this version with If-Match.
  std::optional<ObjectInfo> info = head_object(at);
  if (!info) {
    S3Failure failure;
    failure.status = 404;
    failure.code = "NoSuchKey";
    failure.message = "The specified key does not exist.";
    throw S3Error(target, failure, 1, region());
  }
  if (info->size == 0) return *info;
  const std::uint64_t first = range ? range->first : 0;
  const std::uint64_t last = std::min(range && range->last ? *range->last : info->size - 1, info->size - 1);
  if (first > last) {
    throw RuntimeError("GetObject " + at.uri() + ": range starts at byte " + std::to_string(first) +
                       " but the object has " + std::to_string(info->size) + " bytes");
  }
  const std::uint64_t expected = last - first + 1;
  std::uint64_t delivered = 0;
  int rounds_without_progress = 0;
  while (delivered < expected) {
    const std::uint64_t before = delivered;
    http::Response response = execute(
        target,
        [&] {
          RequestSpec spec;
          spec.method = "GET";
          spec.key = at.key;
          spec.headers.push_back({"Range", "bytes=" + std::to_string(first + delivered) + "-" + std::to_string(last)});
          if (!info->etag.empty()) spec.headers.push_back({"If-Match", info->etag});
          spec.on_body = [&](std::string_view bytes) {
            delivered += bytes.size();
            return on_body(bytes);
          };
          return spec;
        },
        [&] { return delivered; });
    if (response.status != 206 || (!info->etag.empty() && etag_of(response) != info->etag)) {
      S3Failure failure;
      failure.status = response.status;
      failure.code = response.status != 206 ? "RangeIgnored" : "PreconditionFailed";
      failure.message = response.status != 206 ? "the server did not answer the Range request with 206"
                                               : "the ETag changed during the download";
      throw S3Error(target, failure, 1, region());
    }
    // A response that ended cleanly but short (a proxy that closed early):
    // resume like after a dropped connection.
    rounds_without_progress = delivered > before ? 0 : rounds_without_progress + 1;
    if (rounds_without_progress >= shared_->config.retry.max_attempts) {
      throw RuntimeError("GetObject " + at.uri() + ": the server keeps sending no bytes after byte " +
                         std::to_string(first + delivered));
    }
  }
  return *info;
}

std::vector<ObjectSummary> S3Client::list_objects(const std::string& bucket, const std::string& prefix,
                                                  int page_size) {
  OperationTarget target{"ListObjectsV2", bucket, prefix};
  std::vector<ObjectSummary> objects;
  std::string token;
  do {
    http::Response response = execute(target, [&] {
      RequestSpec spec;
      if (!token.empty()) spec.query = query_param("continuation-token", token) + "&";
      spec.query += "list-type=2&" + query_param("max-keys", std::to_string(page_size));
      if (!prefix.empty()) spec.query += "&" + query_param("prefix", prefix);
      return spec;
    });
    ListObjectsPage page = parse_list_objects_v2(response.body);
    std::move(page.objects.begin(), page.objects.end(), std::back_inserter(objects));
    token = std::move(page.next_continuation_token);
  } while (!token.empty());
  return objects;
}

void S3Client::delete_objects(const std::string& bucket, const std::vector<std::string>& keys) {
  std::vector<DeleteFailure> failures;
  for (std::size_t start = 0; start < keys.size(); start += kDeleteBatch) {
    std::vector<std::string> batch(keys.begin() + static_cast<std::ptrdiff_t>(start),
                                   keys.begin() + static_cast<std::ptrdiff_t>(std::min(keys.size(), start + kDeleteBatch)));
    OperationTarget target{"DeleteObjects", bucket, ""};
    const std::string xml = delete_objects_xml(batch);
    const BodyDigests digests = BodyDigests::of({xml});
    http::Response response = execute(target, [&] {
      RequestSpec spec;
      spec.method = "POST";
      spec.query = "delete";
      spec.headers.push_back({"Content-MD5", digests.md5_base64});
      spec.body = {xml};
      spec.payload_sha256 = digests.sha256_hex;
      return spec;
    });
    std::vector<DeleteFailure> batch_failures = parse_delete_result(response.body);
    std::move(batch_failures.begin(), batch_failures.end(), std::back_inserter(failures));
  }
  if (!failures.empty()) {
    const DeleteFailure& f = failures.front();
    S3Failure failure;
    failure.code = f.code;
    failure.message = f.message;
    OperationTarget target{"DeleteObjects", bucket, f.key};
    std::string hint = hint_for(failure, target, region());
    throw RuntimeError(log::redact("DeleteObjects s3://" + bucket + ": " + std::to_string(failures.size()) + " of " +
                                   std::to_string(keys.size()) + " keys were not deleted; the first, " + f.key +
                                   ": " + f.code + ": " + f.message + (hint.empty() ? "" : "; " + hint)));
  }
}

std::vector<MultipartUploadSummary> S3Client::list_multipart_uploads(const std::string& bucket,
                                                                     const std::string& prefix) {
  OperationTarget target{"ListMultipartUploads", bucket, prefix};
  std::vector<MultipartUploadSummary> uploads;
  std::string key_marker;
  std::string upload_id_marker;
  do {
    http::Response response = execute(target, [&] {
      RequestSpec spec;
      if (!key_marker.empty()) spec.query += query_param("key-marker", key_marker) + "&";
      if (!prefix.empty()) spec.query += query_param("prefix", prefix) + "&";
      if (!upload_id_marker.empty()) spec.query += query_param("upload-id-marker", upload_id_marker) + "&";
      spec.query += "uploads";
      return spec;
    });
    ListUploadsPage page = parse_list_multipart_uploads(response.body);
    std::move(page.uploads.begin(), page.uploads.end(), std::back_inserter(uploads));
    key_marker = std::move(page.next_key_marker);
    upload_id_marker = std::move(page.next_upload_id_marker);
  } while (!key_marker.empty() || !upload_id_marker.empty());
  return uploads;
}

}  // namespace pgdump2s3::s3
