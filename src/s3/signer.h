// AWS Signature Version 4 (AWS General Reference, "Signing AWS API
// requests"; S3 API Reference, "Authenticating Requests (AWS Signature
// Version 4)"). Pure functions, no I/O: every stage is exposed so that tests
// check each one against the published suites (shared/testdata/sigv4/):
//
//   canonical request -> string to sign -> signing key -> signature
//                                                       -> Authorization header
//                                                       or presigned URL (query signing)
//
// sign_s3_request() and presign_s3_url() are what the S3 client calls; the
// stages below them also serve non-S3 services (the generic suites), which
// differ only in how the path is canonicalized (CanonicalOptions).
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "http/client.h"     // http::Request, http::Headers
#include "s3/credentials.h"  // s3::Credentials
#include "util/digest.h"     // Sha256Digest

namespace pgdump2s3::s3::sigv4 {

inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
// The payload hash of a request whose body is not signed (presigned URLs).
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
// S3 query-string auth: X-Amz-Expires is 1 s to 7 days (604800 s).
inline constexpr int kMaxPresignExpiresSeconds = 604800;

// ---------------------------------------------------------------------------
// High-level S3 API

// Signs an S3 request in place for `region` (service "s3") at time `now`:
// adds Host (from req.url, port only when not the scheme default), x-amz-date,
// x-amz-content-sha256 = payload_sha256_hex (the real SHA-256 of the body, or
// kUnsignedPayload), x-amz-security-token when creds.session_token is set, then
// Authorization. Signs host, every x-amz-* header, content-md5, content-type,
// range and every other header present in req.headers. The URL path is used
// as sent (already percent-encoded once by the caller), never normalized nor
// re-encoded (S3 rule); the query is canonicalized (sorted, encoded per SigV4).
// Signing again (a retry, later `now`) replaces the headers it added before.
void sign_s3_request(http::Request& req, const Credentials& creds, const std::string& region,
                     std::chrono::system_clock::time_point now, const std::string& payload_sha256_hex);

// A presigned URL (query-string auth, X-Amz-Expires seconds) for method+url.
// Only host is signed and the payload is UNSIGNED-PAYLOAD, so anyone holding
// the URL can send it (curl, a browser) until it expires. A session token is
// signed into the URL. Throws std::invalid_argument when expires_seconds is
// outside 1..604800.
std::string presign_s3_url(const std::string& method, const std::string& url, const Credentials& creds,
                           const std::string& region, std::chrono::system_clock::time_point now,
                           int expires_seconds);

// ---------------------------------------------------------------------------
// Stage 1: canonical request

// How the path of the URL becomes the canonical URI.
struct CanonicalOptions {
  // Remove "." and ".." segments and empty segments ("//"). Every AWS service
  // but S3 does; S3 keys may contain them ("a//b" is its own key).
  bool normalize_path = false;
  // URI-encode the path as sent once more ("double encoding": a sent "%20"
  // is signed as "%2520"). Every AWS service but S3 does. Without it (S3), the
  // path is decoded once and each byte re-encoded, as S3 computes it: a path
  // the caller encoded per SigV4 is signed exactly as sent.
  bool double_encode_path = false;
};
inline constexpr CanonicalOptions kS3PathRule{.normalize_path = false, .double_encode_path = false};
inline constexpr CanonicalOptions kGenericPathRule{.normalize_path = true, .double_encode_path = true};

// The parts of an absolute URL that signing needs, as sent (no decoding).
struct UrlParts {
  std::string scheme;  // "https"
  std::string host;    // Host header value: "host" or "host:port" (port only when not the default)
  std::string path;    // "/" when the URL has none
  std::string query;   // without '?' or '#fragment'; may be empty
};
// Throws std::invalid_argument when `url` has no "scheme://host".
UrlParts split_url(std::string_view url);

// Removes "." and ".." segments and empty segments; a path that named a
// directory ("/a/", "/a/b/..") keeps its trailing slash.
std::string normalize_path(std::string_view path);
std::string canonical_uri(std::string_view path, CanonicalOptions options);
// `query` as sent (without '?'): each name and value decoded once and encoded
// per SigV4 (everything but A-Za-z0-9-._~), a name without '=' gets an empty
// value, pairs sorted by name then value, joined with '&'.
std::string canonical_query(std::string_view query);
// Lowercase name ':' value, where the value is trimmed and runs of spaces
// (also folded lines) are one space; repeated headers joined with ',' in the
// order they came; sorted by name. Authorization is never signed.
struct CanonicalHeaders {
  std::string block;           // "host:example.com\nx-amz-date:...\n"
  std::string signed_headers;  // "host;x-amz-date"
};
CanonicalHeaders canonical_headers(const http::Headers& headers);

struct CanonicalRequest {
  std::string text;            // what gets hashed
  std::string signed_headers;  // for the Authorization header / X-Amz-SignedHeaders
};
CanonicalRequest canonical_request(std::string_view method, std::string_view path, std::string_view query,
                                   const http::Headers& headers, std::string_view payload_hash,
                                   CanonicalOptions options);

// ---------------------------------------------------------------------------
// Stage 2: string to sign

// "20150830T123600Z" (ISO 8601 basic, UTC, whole seconds).
std::string amz_date(std::chrono::system_clock::time_point time);

// The credential scope DATE/REGION/SERVICE/aws4_request.
struct Scope {
  std::string date;  // "20150830"
  std::string region;
  std::string service;
  std::string str() const;
};
Scope make_scope(std::chrono::system_clock::time_point time, std::string_view region,
                 std::string_view service);

std::string string_to_sign(std::string_view amz_date, const Scope& scope, std::string_view canonical_request);

// ---------------------------------------------------------------------------
// Stage 3: signing key

// HMAC chain "AWS4"+secret -> date -> region -> service -> "aws4_request".
Sha256Digest derive_signing_key(std::string_view secret_access_key, const Scope& scope);

// Signing keys by (secret, scope), so that concurrent part uploads do not
// repeat the four HMACs per request. Thread-safe. Entries are looked up by
// SHA-256 of the secret and scope, so the cache never holds the secret text;
// a key of an older date (useless once the clock passed midnight: the scope
// date must match x-amz-date) is dropped as soon as a newer date is signed,
// and at most `capacity` keys are held.
class SigningKeyCache {
 public:
  explicit SigningKeyCache(std::size_t capacity = 8) : capacity_(capacity) {}
  Sha256Digest get(std::string_view secret_access_key, const Scope& scope);
  std::size_t size() const;

 private:
  struct Entry {
    Sha256Digest id;  // SHA-256 of secret and scope
    std::string date;
    Sha256Digest key;
  };
  const std::size_t capacity_;
  mutable std::mutex mutex_;  // guards entries_
  std::vector<Entry> entries_;
};
// The process-wide cache the high-level functions use.
SigningKeyCache& signing_key_cache();

// ---------------------------------------------------------------------------
// Stage 4 and 5: signature, Authorization header

std::string signature(const Sha256Digest& signing_key, std::string_view string_to_sign);
// "AWS4-HMAC-SHA256 Credential=AK/SCOPE, SignedHeaders=..., Signature=..."
std::string authorization_header(std::string_view access_key_id, const Scope& scope,
                                 std::string_view signed_headers, std::string_view signature);

// ---------------------------------------------------------------------------
// All stages for one request, for any service (S3 or the generic suites)

struct SigningParams {
  std::string region;
  std::string service;
  std::chrono::system_clock::time_point time;
  CanonicalOptions path_rule = kS3PathRule;
  // Whether X-Amz-Security-Token is part of what is signed (S3 and most
  // services: yes), or added after signing (services that require that).
  bool sign_session_token = true;
  // Header signing: add (and sign) x-amz-content-sha256 with the payload
  // hash. S3 requires it; other services do not use it.
  bool add_content_sha256_header = false;
};

// What S3 wants (sign_s3_request, presign_s3_url): service "s3", the S3
// path rule, the session token signed, x-amz-content-sha256 added.
SigningParams s3_signing_params(const std::string& region, std::chrono::system_clock::time_point now);

// What each stage produced, for tests and for diffing against a server's
// SignatureDoesNotMatch (which echoes its canonical request).
struct SigningResult {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;
  std::string signed_headers;
};

// Header signing: sets Host (from req.url), X-Amz-Date, the session token
// and x-amz-content-sha256 as `params` say, then Authorization; replaces any
// of these that a previous signing left. Signs every header of req.
SigningResult sign_headers(http::Request& req, const Credentials& creds, const SigningParams& params,
                           std::string_view payload_hash);

// Query signing: the request's headers (host added from the URL) are signed
// and must be sent as they are; the auth parameters go into the query.
struct Presigned {
  std::string url;  // scheme://host/path?canonical query&X-Amz-Signature=...
  SigningResult stages;
};
Presigned presign(const http::Request& req, const Credentials& creds, const SigningParams& params,
                  std::string_view payload_hash, int expires_seconds);

}  // namespace pgdump2s3::s3::sigv4
