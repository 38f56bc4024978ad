// Where an object lives (s3://bucket/key) and the URL a request for it goes
// to. Knows S3 addressing, not HTTP.
#pragma once

#include <string>
#include <string_view>

#include "s3/aws_settings.h"

namespace pgdump2s3::s3 {

struct S3Location {
  std::string bucket;
  std::string key;  // may be empty: a bucket, or a prefix for list/prune

  // Parses "s3://bucket/key". The key is taken verbatim (no decoding, no
  // normalisation: S3 keys may contain "//", "+", spaces). Throws ConfigError
  // naming `what` (e.g. "S3_DESTINATION") when the text is not such a URI.
  static S3Location parse(std::string_view uri, std::string_view what);
  std::string uri() const { return "s3://" + bucket + "/" + key; }
};

// Builds request URLs for one S3 service. Path-style puts the bucket in the
// path (http://host/bucket/key), virtual-hosted in the host
// (https://bucket.host/key); AwsSettings::path_style says which.
class S3Endpoint {
 public:
  explicit S3Endpoint(const AwsSettings& settings);

  // `query` is already encoded and in canonical order (see query_param);
  // the key is encoded once per RFC 3986 with '/' kept, which is also S3's
  // canonical URI (S3 does not double-encode nor normalise paths: AWS SigV4
  // docs, "Create a canonical request", S3 exception). `region` names the
  // AWS host when no custom endpoint is set (it changes on a region redirect).
  std::string url(std::string_view region, std::string_view bucket, std::string_view key,
                  std::string_view query = {}) const;

  // "https://s3.REGION.amazonaws.com" or the custom endpoint, for messages.
  std::string base_url(std::string_view region) const;
  bool is_aws() const { return custom_.empty(); }

 private:
  bool uses_path_style(std::string_view bucket) const;
  std::string custom_;  // endpoint URL without trailing '/', empty for AWS
  bool path_style_;
};

// "name=value" with both sides percent-encoded (RFC 3986 unreserved kept),
// the form SigV4's canonical query string wants; join several with '&' in
// ascending order of name.
std::string query_param(std::string_view name, std::string_view value);

}  // namespace pgdump2s3::s3
