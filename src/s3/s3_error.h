// Classification of S3 failures before any retry (STYLE.md habit 6, after
// aws-c-s3): throttling, server errors, timeouts and dropped connections may
// succeed on another attempt; expired credentials after a refresh; a wrong
// region after switching to the one S3 names; everything else never will and
// fails at once. The final error is one line a person can act on.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "http/client.h"
#include "util/error.h"

namespace pgdump2s3::s3 {

enum class FailureKind {
  kThrottled,           // 503 SlowDown, 429, Throttling: back off, retry
  kServerError,         // 500, 502, 504, InternalError: retry
  kRequestTimeout,      // 400 RequestTimeout: S3 gave up waiting for the body; retry
  kTransport,           // reset, refused, timed out, stalled (low-speed limit); retry
  kExpiredCredentials,  // ExpiredToken: refresh the credentials, retry once
  kWrongRegion,         // PermanentRedirect / AuthorizationHeaderMalformed: switch region once
  kPermanent,           // AccessDenied, NoSuchBucket, SignatureDoesNotMatch, ...: fail now
};

struct S3Failure {
  FailureKind kind = FailureKind::kPermanent;
  long status = 0;         // HTTP status; 0 when no response came (transport)
  std::string code;        // S3 error code; derived from the status for bodiless answers
  std::string message;     // S3's <Message>, or the transport's description
  std::string request_id;  // x-amz-request-id, for support tickets
  std::string region;      // the bucket's region, when S3 named one

  // Throttling, server errors, timeouts and retriable transport errors.
  bool retriable() const;
  // "HTTP 503 SlowDown: Please reduce your request rate." or
  // "connection error: Connection reset by peer".
  std::string summary() const;
};

FailureKind classify(long status, std::string_view code);

// nullopt for a success: a 2xx whose body is not an <Error> document (S3 can
// answer 200 with <Error> on CompleteMultipartUpload: AWS S3 API reference,
// CompleteMultipartUpload, "a 200 OK response can contain either a success
// or an error").
std::optional<S3Failure> failure_of(const http::Response& response);
S3Failure failure_of(const http::TransportError& error);

// What a request acted on, for messages and hints.
struct OperationTarget {
  std::string operation;  // S3 API name: "UploadPart", "ListObjectsV2"
  std::string bucket;
  std::string key;        // empty for bucket operations (then: a prefix, or nothing)
  int part_number = 0;    // UploadPart only
};

// The IAM action S3 authorizes the operation with (AWS S3 docs, "Actions,
// resources and condition keys for Amazon S3"): UploadPart → s3:PutObject.
std::string iam_action_for(std::string_view operation);

// What to check, for the failures people cause by configuration; empty when
// there is nothing useful to say. `region` is the one the request was signed for.
std::string hint_for(const S3Failure& failure, const OperationTarget& target, std::string_view region);

// The final error of an operation: RuntimeError (exit 1) with one line, e.g.
// "UploadPart s3://backups/db.gz part 3 failed after 1 attempt: HTTP 403
// AccessDenied: Access Denied; check that the IAM policy allows s3:PutObject
// on arn:aws:s3:::backups/db.gz". Never holds a secret (log::redact is applied).
class S3Error : public RuntimeError {
 public:
  S3Error(OperationTarget target, S3Failure failure, int attempts, std::string_view region);
  const OperationTarget& target() const { return target_; }
  const S3Failure& failure() const { return failure_; }
  int attempts() const { return attempts_; }

 private:
  OperationTarget target_;
  S3Failure failure_;
  int attempts_;
};

}  // namespace pgdump2s3::s3
