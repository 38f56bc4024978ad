#include "s3/s3_error.h"

#include <algorithm>
#include <array>

#include "s3/s3_xml.h"
#include "util/log.h"

namespace pgdump2s3::s3 {
namespace {

bool one_of(std::string_view code, std::initializer_list<std::string_view> codes) {
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

// A bodiless error (HEAD, or a proxy in the way) still needs a name.
std::string code_for_status(long status) {
  switch (status) {
    case 301: return "PermanentRedirect";
    case 307: return "TemporaryRedirect";
    case 400: return "BadRequest";
    case 403: return "Forbidden";
    case 404: return "NotFound";
    case 412: return "PreconditionFailed";
    case 416: return "InvalidRange";
    case 429: return "TooManyRequests";
    case 500: return "InternalError";
    case 502: return "BadGateway";
    case 503: return "ServiceUnavailable";
    case 504: return "GatewayTimeout";
    default: return "HTTP" + std::to_string(status);
  }
}

// "bucket.s3.eu-west-1.amazonaws.com", "s3-eu-west-1.amazonaws.com" → eu-west-1;
// "s3.amazonaws.com" → us-east-1. Empty when the host says nothing.
std::string region_from_endpoint(std::string_view host) {
  constexpr std::string_view kSuffix = ".amazonaws.com";
  auto end = host.find(kSuffix);
  if (end == std::string_view::npos) return {};
  host = host.substr(0, end);
  auto s3 = host.rfind("s3");
  if (s3 == std::string_view::npos) return {};
  std::string_view rest = host.substr(s3 + 2);
  if (rest.empty()) return "us-east-1";
  if (rest.front() != '.' && rest.front() != '-') return {};
  rest.remove_prefix(1);
  // s3.dualstack.REGION
  if (rest.starts_with("dualstack.")) rest.remove_prefix(10);
  return std::string(rest);
}

std::string one_line(std::string text) {
  std::replace_if(text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  return text;
}

std::string arn_of(const OperationTarget& target) {
  std::string arn = "arn:aws:s3:::" + target.bucket;
  if (target.operation == "DeleteObjects" && target.key.empty()) return arn + "/*";
  // Object operations are authorized on the object's ARN, bucket operations
  // (ListBucket, ListBucketMultipartUploads) on the bucket's.
  if (!target.key.empty() && target.operation != "ListObjectsV2" && target.operation != "ListMultipartUploads") {
    arn += "/" + target.key;
  }
  return arn;
}

}  // namespace

FailureKind classify(long status, std::string_view code) {
  // Error codes: AWS S3 API reference, "List of error codes"; the retriable
  // sets follow the AWS SDKs' standard retry mode.
  if (one_of(code, {"ExpiredToken", "TokenRefreshRequired"})) return FailureKind::kExpiredCredentials;
  if (one_of(code, {"PermanentRedirect", "AuthorizationHeaderMalformed"}) || status == 301) {
    return FailureKind::kWrongRegion;
  }
  if (one_of(code, {"SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded",
                    "TooManyRequests", "TooManyRequestsException", "RequestThrottled",
                    "BandwidthLimitExceeded", "PriorRequestNotComplete"}) ||
      status == 503 || status == 429) {
    return FailureKind::kThrottled;
  }
  if (one_of(code, {"RequestTimeout", "RequestTimeoutException"})) return FailureKind::kRequestTimeout;
  if (one_of(code, {"InternalError", "ServiceUnavailable"}) || status == 500 || status == 502 || status == 504) {
    return FailureKind::kServerError;
  }
  return FailureKind::kPermanent;
}

bool S3Failure::retriable() const {
  switch (kind) {
    case FailureKind::kThrottled:
    case FailureKind::kServerError:
    case FailureKind::kRequestTimeout:
    case FailureKind::kTransport:
      return true;
    default:
      return false;
  }
}

std::string S3Failure::summary() const {
  if (status == 0) return "connection error: " + message;
  std::string text = "HTTP " + std::to_string(status) + " " + code;
  if (!message.empty()) text += ": " + message;
  return text;
}

std::optional<S3Failure> failure_of(const http::Response& response) {
  std::optional<ErrorDocument> document = parse_error(response.body);
  bool success = response.status >= 200 && response.status < 300;
  if (success && !document) return std::nullopt;
  S3Failure failure;
  failure.status = response.status;
  if (document) {
    failure.code = document->code;
    failure.message = document->message;
    failure.request_id = document->request_id;
    failure.region = document->region;
    if (failure.region.empty()) failure.region = region_from_endpoint(document->endpoint);
  }
  if (failure.code.empty()) failure.code = code_for_status(response.status);
  if (const std::string* id = response.header("x-amz-request-id"); id && failure.request_id.empty()) {
    failure.request_id = *id;
  }
  // S3 names the bucket's region in this header on redirects and on HEAD
  // errors, which have no body (AWS S3 docs, "HeadBucket").
  if (const std::string* region = response.header("x-amz-bucket-region"); region && !region->empty()) {
    failure.region = *region;
  }
  // An <Error> inside a 200 is retriable when its code says so (InternalError).
  failure.kind = classify(failure.status, failure.code);
  // A bodiless 400 (HEAD) signed for the wrong region only says so in that header.
  if (failure.kind == FailureKind::kPermanent && failure.status == 400 && !failure.region.empty()) {
    failure.kind = FailureKind::kWrongRegion;
  }
  return failure;
}

S3Failure failure_of(const http::TransportError& error) {
  S3Failure failure;
  failure.status = 0;
  failure.code = "curl" + std::to_string(error.curl_code());
  failure.message = error.what();
  failure.kind = error.retriable() ? FailureKind::kTransport : FailureKind::kPermanent;
  return failure;
}

std::string iam_action_for(std::string_view operation) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 11> kActions = {{
      {"PutObject", "s3:PutObject"},
      {"CreateMultipartUpload", "s3:PutObject"},
      {"UploadPart", "s3:PutObject"},
      {"CompleteMultipartUpload", "s3:PutObject"},
      {"AbortMultipartUpload", "s3:AbortMultipartUpload"},
      {"ListParts", "s3:ListMultipartUploadParts"},
      {"HeadObject", "s3:GetObject"},
      {"GetObject", "s3:GetObject"},
      {"ListObjectsV2", "s3:ListBucket"},
      {"DeleteObjects", "s3:DeleteObject"},
      {"ListMultipartUploads", "s3:ListBucketMultipartUploads"},
  }};
  for (const auto& [name, action] : kActions) {
    if (name == operation) return std::string(action);
  }
  return "s3:" + std::string(operation);
}

std::string hint_for(const S3Failure& f, const OperationTarget& target, std::string_view region) {
  const std::string& code = f.code;
  switch (f.kind) {
    case FailureKind::kWrongRegion:
      if (!f.region.empty() && f.region != region) {
        return "the bucket is in region " + f.region + ", not " + std::string(region) + ": set AWS_REGION=" + f.region;
      }
      return "the bucket is not in region " + std::string(region) + ": check AWS_REGION and the endpoint";
    case FailureKind::kExpiredCredentials:
      return "the temporary credentials expired and refreshing them did not help: check where they come from";
    case FailureKind::kThrottled:
      return "S3 kept asking to slow down: lower the upload concurrency or try again later";
    case FailureKind::kServerError:
      return "the S3 service kept failing: try again later";
    case FailureKind::kRequestTimeout:
      return "S3 timed out waiting for the request body: check the network's upload bandwidth";
    case FailureKind::kTransport:
      return "check the endpoint URL, the network and any proxy";
    case FailureKind::kPermanent:
      break;
  }
  if (one_of(code, {"AccessDenied", "Forbidden", "AllAccessDisabled"})) {
    return "check that the IAM policy allows " + iam_action_for(target.operation) + " on " + arn_of(target);
  }
  if (code == "NoSuchBucket") {
    return "bucket " + target.bucket + " does not exist there: check the bucket name, the endpoint and AWS_REGION";
  }
  if (code == "InvalidAccessKeyId") {
    return "this S3 service does not know the access key id: check AWS_ACCESS_KEY_ID (and AWS_ENDPOINT_URL for "
           "S3-compatible stores)";
  }
  if (code == "SignatureDoesNotMatch") {
    return "the secret access key does not belong to the access key id: check AWS_SECRET_ACCESS_KEY";
  }
  if (code == "RequestTimeTooSkewed") {
    return "this machine's clock differs from S3's by more than 15 minutes: synchronise it (NTP)";
  }
  if (one_of(code, {"InvalidToken", "InvalidSecurity"})) {
    return "the session token is not valid for these keys: check AWS_SESSION_TOKEN";
  }
  if (one_of(code, {"NoSuchKey", "NotFound"})) return "there is no object at s3://" + target.bucket + "/" + target.key;
  if (code == "NoSuchUpload") {
    return "the multipart upload no longer exists (aborted, completed, or removed by a lifecycle rule)";
  }
  if (code == "PreconditionFailed") return "the object changed while it was being read";
  if (one_of(code, {"BadDigest", "XAmzContentSHA256Mismatch", "InvalidDigest"})) {
    return "the body S3 received does not match its checksum: something between here and S3 altered it";
  }
  if (f.status == 0) return "check the endpoint URL, its TLS certificate (AWS_CA_BUNDLE) and the network";
  return {};
}

namespace {
std::string error_line(const OperationTarget& target, const S3Failure& failure, int attempts, std::string_view region) {
  std::string line = target.operation + " s3://" + target.bucket + "/" + target.key;
  if (target.part_number > 0) line += " part " + std::to_string(target.part_number);
  line += " failed after " + std::to_string(attempts) + (attempts == 1 ? " attempt: " : " attempts: ");
  line += failure.summary();
  if (!failure.request_id.empty()) line += " (request id " + failure.request_id + ")";
  std::string hint = hint_for(failure, target, region);
  if (!hint.empty()) line += "; " + hint;
  return log::redact(one_line(line));
}
}  // namespace

S3Error::S3Error(OperationTarget target, S3Failure failure, int attempts, std::string_view region)
    : RuntimeError(error_line(target, failure, attempts, region)),
      target_(std::move(target)),
      failure_(std::move(failure)),
      attempts_(attempts) {}

}  // namespace pgdump2s3::s3
