#include "s3/s3_location.h"

#include <cctype>

#include "http/client.h"
#include "util/error.h"

namespace pgdump2s3::s3 {
namespace {

// Bucket naming rules (AWS S3 docs, "Bucket naming rules"): 3-63 characters,
// lowercase letters, digits, '.' and '-'. Older buckets may hold uppercase
// letters and '_' (legacy us-east-1 names); those only work path-style.
bool is_valid_bucket_name(std::string_view name) {
  if (name.size() < 3 || name.size() > 255) return false;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_')) return false;
  }
  return true;
}

// A bucket can be a DNS label under the service's host only if it is a
// lowercase DNS-compatible name; with TLS it must also contain no '.', or the
// wildcard certificate *.s3.REGION.amazonaws.com does not match it (the AWS
// CLI falls back to path-style for such names too).
bool is_virtual_host_compatible(std::string_view bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  if (bucket.front() == '-' || bucket.back() == '-') return false;
  for (char c : bucket) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

S3Location S3Location::parse(std::string_view uri, std::string_view what) {
  constexpr std::string_view kScheme = "s3://";
  auto fail = [&](std::string_view why) {
    throw ConfigError(std::string(what) + " must look like s3://bucket/key, got \"" + std::string(uri) +
                      "\": " + std::string(why));
  };
  if (!uri.starts_with(kScheme)) fail("it does not start with s3://");
  std::string_view rest = uri.substr(kScheme.size());
  auto slash = rest.find('/');
  S3Location location;
  location.bucket = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) location.key = std::string(rest.substr(slash + 1));
  if (location.bucket.empty()) fail("the bucket name is missing");
  if (!is_valid_bucket_name(location.bucket)) {
    fail("\"" + location.bucket + "\" is not a valid bucket name (letters, digits, '.', '-')");
  }
  // S3 object keys are at most 1,024 bytes of UTF-8 (AWS S3 docs, "Naming objects").
  if (location.key.size() > 1024) fail("the key is longer than S3's 1,024 bytes");
  return location;
}

S3Endpoint::S3Endpoint(const AwsSettings& settings) : custom_(settings.endpoint_url), path_style_(settings.path_style) {
  while (!custom_.empty() && custom_.back() == '/') custom_.pop_back();
}

std::string S3Endpoint::base_url(std::string_view region) const {
  if (!custom_.empty()) return custom_;
  return "https://s3." + std::string(region) + ".amazonaws.com";
}

bool S3Endpoint::uses_path_style(std::string_view bucket) const {
  if (path_style_) return true;
  return !is_virtual_host_compatible(bucket);
}

std::string S3Endpoint::url(std::string_view region, std::string_view bucket, std::string_view key,
                            std::string_view query) const {
  std::string base = base_url(region);
  std::string url;
  if (uses_path_style(bucket)) {
    url = base + "/" + std::string(bucket);
    // A bucket-level request is "/bucket" with no trailing slash (as S3's own
    // SDKs send it); an object request is "/bucket/" + key.
    if (!key.empty()) url.append("/").append(http::uri_encode(key, /*keep_slash=*/true));
  } else {
    auto scheme_end = base.find("://");
    std::size_t host_start = scheme_end == std::string::npos ? 0 : scheme_end + 3;
    url = base.substr(0, host_start) + std::string(bucket) + "." + base.substr(host_start) + "/" +
          http::uri_encode(key, /*keep_slash=*/true);
  }
  if (!query.empty()) url.append("?").append(query);
  return url;
}

std::string query_param(std::string_view name, std::string_view value) {
  return http::uri_encode(name, false) + "=" + http::uri_encode(value, false);
}

}  // namespace pgdump2s3::s3
