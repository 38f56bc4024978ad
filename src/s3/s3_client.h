// The S3 operations pgdump2s3 uses, each one request (or one paginated
// series) with classification, retries, region redirect and credential
// refresh built in. Knows S3, not sockets: requests go through a Transport
// (s3_transport.h), are signed by sigv4::sign_s3_request, and their XML is
// read by s3_xml.h.
//
// Threads: an S3Client owns one connection and is used by one thread at a
// time. new_connection() makes another client for another thread; clients
// made from one another share the configuration, the credentials provider
// and the region (so a region redirect learnt by one is used by all).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "http/client.h"
#include "s3/aws_settings.h"
#include "s3/credentials.h"
#include "s3/retry_policy.h"
#include "s3/s3_error.h"
#include "s3/s3_location.h"
#include "s3/s3_transport.h"
#include "s3/s3_xml.h"

namespace pgdump2s3::s3 {

// The checksum S3 verifies on every object and part body, besides the
// signed payload SHA-256 (which S3 verifies too: XAmzContentSHA256Mismatch).
enum class PayloadChecksum {
  // Content-MD5 (RFC 1864): every S3-compatible store checks it. Costs an MD5
  // pass over every byte (about 730 MB/s per core here, twice the cost of SHA-256).
  kContentMd5,
  // x-amz-checksum-sha256 (S3 "flexible checksums"): the SHA-256 already
  // computed for signing, so no second hash. The multipart upload declares it
  // (x-amz-checksum-algorithm) and Complete lists each part's. Stores without
  // flexible checksums may ignore it (Ceph RGW 16) or refuse it.
  kSha256,
};

// kSha256 on AWS itself (no custom endpoint), which has verified flexible
// checksums since 2022; kContentMd5 on S3-compatible stores, which all
// verify Content-MD5 but not all know x-amz-checksum-*.
PayloadChecksum default_checksum_for(const AwsSettings& settings);

struct S3ClientConfig {
  AwsSettings settings;  // endpoint, region, addressing style, CA bundle
  std::shared_ptr<CredentialsProvider> credentials;
  RetryPolicy retry;
  // Timeouts and the low-speed limit that turns a stalled connection into a
  // retriable error. settings.ca_bundle is used when http.ca_bundle is empty.
  http::Options http;
  // Empty: libcurl (curl_transport(http)). Unit tests put an in-memory S3 here.
  TransportFactory transport;
  // For PutObject and UploadPart bodies; the small XML bodies of
  // CompleteMultipartUpload and DeleteObjects always carry Content-MD5.
  PayloadChecksum checksum = PayloadChecksum::kContentMd5;
};

// A request body as pieces sent one after the other, in place (never
// copied): a part is a list of slices of compressor output buffers. The
// memory must stay valid until the call returns.
using Body = std::vector<std::string_view>;

// The checksums a body is sent with: the SHA-256 signed as the payload hash
// (S3 rejects a body that does not match it: XAmzContentSHA256Mismatch), and
// Content-MD5 or x-amz-checksum-sha256 (BadDigest). Computed once per body,
// not per attempt.
struct BodyDigests {
  std::string md5_base64;  // empty when made without MD5
  std::string sha256_hex;
  std::string sha256_base64;
  static BodyDigests of(const Body& body, bool with_md5 = true);
};

struct PutOptions {
  // User metadata, sent as x-amz-meta-NAME (names lowercase, as S3 stores them).
  std::map<std::string, std::string> metadata;
  std::string content_type;  // empty: none sent (S3 stores binary/octet-stream)
};

struct ObjectInfo {
  std::uint64_t size = 0;
  std::string etag;
  std::string last_modified;  // HTTP date, as S3 sends it
  std::string content_type;
  std::map<std::string, std::string> metadata;  // x-amz-meta-* without the prefix
};

// Bytes first..last of an object, both inclusive (HTTP Range, RFC 9110);
// no last: to the end.
struct ByteRange {
  std::uint64_t first = 0;
  std::optional<std::uint64_t> last;
};

class S3Client {
 public:
  explicit S3Client(S3ClientConfig config);
  // The digests put_object and upload_part need under config().checksum.
  BodyDigests digests_of(const Body& body) const;
  ~S3Client();
  S3Client(S3Client&&) noexcept;
  S3Client& operator=(S3Client&&) noexcept;

  // Another client with its own connection, sharing configuration and region.
  S3Client new_connection() const;

  // From now on, requests of this client end early (a transfer in progress
  // is aborted, a backoff wait is cut short) once `interrupted` returns true;
  // they then throw S3Error with code "Interrupted". `interrupted` is called
  // on this client's thread and must be safe against whoever sets its flag.
  void set_interrupt(std::function<bool()> interrupted);

  // The region requests are signed for now (after a redirect, the bucket's).
  std::string region() const;
  const S3ClientConfig& config() const;

  // PutObject: the whole object in one request. Returns its ETag.
  std::string put_object(const S3Location& at, const Body& body, const BodyDigests& digests,
                         const PutOptions& options = {});

  // Multipart upload (AWS S3 API reference, CreateMultipartUpload, UploadPart,
  // CompleteMultipartUpload, AbortMultipartUpload). All four need only
  // s3:PutObject and s3:AbortMultipartUpload on the object.
  std::string create_multipart_upload(const S3Location& at, const PutOptions& options = {});
  std::string upload_part(const S3Location& at, const std::string& upload_id, int part_number, const Body& body,
                          const BodyDigests& digests);
  // A 200 whose body is <Error> is a failure (and retried when its code is
  // retriable). Returns the object's ETag (empty on Ceph RGW 16).
  std::string complete_multipart_upload(const S3Location& at, const std::string& upload_id,
                                        const std::vector<CompletedPart>& parts);
  // Retried (RetryPolicy) until S3 confirms with 204; NoSuchUpload means it
  // is already gone, which is what an abort wants, so that is success too.
  // Throws S3Error when S3 kept refusing (e.g. no s3:AbortMultipartUpload).
  void abort_multipart_upload(const S3Location& at, const std::string& upload_id);

  // nullopt when there is no such object (404).
  std::optional<ObjectInfo> head_object(const S3Location& at);

  // GetObject streamed: `on_body` receives the bytes in order as they
  // arrive (returning false stops the download). A dropped connection
  // resumes from the next byte not yet delivered (Range), and every request
  // carries If-Match with the ETag the download started with, so the bytes
  // all come from one version of the object (412 PreconditionFailed
  // otherwise). Returns the object's metadata (from HeadObject).
  ObjectInfo get_object(const S3Location& at, const std::function<bool(std::string_view)>& on_body,
                        std::optional<ByteRange> range = std::nullopt);

  // ListObjectsV2, following continuation tokens until the listing ends.
  // `page_size` is max-keys per request (S3's maximum and default: 1,000).
  std::vector<ObjectSummary> list_objects(const std::string& bucket, const std::string& prefix,
                                          int page_size = 1000);

  // DeleteObjects in batches of 1,000 keys (the API's limit), each with
  // Content-MD5 (which S3 requires for this call). Throws RuntimeError when
  // any key could not be deleted, naming how many and the first.
  void delete_objects(const std::string& bucket, const std::vector<std::string>& keys);

  // ListMultipartUploads (uploads started and neither completed nor
  // aborted), following the markers until the listing ends.
  std::vector<MultipartUploadSummary> list_multipart_uploads(const std::string& bucket, const std::string& prefix);

 private:
  struct Shared;
  // One HTTP request as an operation wants it sent; execute() adds the URL,
  // signs it and retries it.
  struct RequestSpec {
    std::string method = "GET";
    std::string key;    // empty: a bucket request
    std::string query;  // encoded, see query_param
    http::Headers headers;
    Body body;
    std::string payload_sha256;  // hex; empty means the SHA-256 of no bytes
    std::function<bool(std::string_view)> on_body;
  };
  S3Client(std::shared_ptr<Shared> shared);

  // Sends the request made by `make_request` (called again for each
  // attempt) until it succeeds or fails for good (S3Error). `progress`, when
  // given, counts bytes delivered so far: an attempt that delivered some
  // does not count against max_attempts (a resumed download).
  http::Response execute(const OperationTarget& target, const std::function<RequestSpec()>& make_request,
                         const std::function<std::uint64_t()>& progress = {});
  bool interrupted() const;
  // Waits `delay`, or less when interrupted.
  void pause(std::chrono::milliseconds delay) const;
  bool switch_region(const std::string& from, const std::string& to);
  // Content-MD5 or x-amz-checksum-sha256, as config().checksum says.
  void add_checksum(http::Headers& headers, const BodyDigests& digests) const;

  std::shared_ptr<Shared> shared_;
  std::unique_ptr<Transport> transport_;
  std::function<bool()> interrupted_;
  std::mt19937_64 random_;  // backoff jitter
};

}  // namespace pgdump2s3::s3
