// Stages 2, 4 and 5 of SigV4 and the signing of whole requests, by header
// (Authorization) or by query string (presigned URLs).
#include "s3/signer.h"

#include <strings.h>

#include <cstdio>
#include <stdexcept>

namespace pgdump2s3::s3::sigv4 {
namespace {

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

void remove_header(http::Headers& headers, std::string_view name) {
  std::erase_if(headers, [&](const http::Header& h) { return same_name(h.name, name); });
}

// Replaces every earlier value, so that signing a request again (a retry)
// never leaves two dates or two hashes behind.
void set_header(http::Headers& headers, std::string_view name, std::string_view value) {
  remove_header(headers, name);
  headers.push_back({std::string(name), std::string(value)});
}

// The part of the query that carries the authentication (query signing),
// without X-Amz-Signature; names and values are already in canonical form.
std::string auth_query(const Credentials& creds, const Scope& scope, std::string_view date,
                       int expires_seconds, bool with_token, std::string_view signed_headers) {
  std::string q = "X-Amz-Algorithm=";
  q.append(kAlgorithm);
  q += "&X-Amz-Credential=" + http::uri_encode(creds.access_key_id + "/" + scope.str(), false);
  q += "&X-Amz-Date=";
  q.append(date);
  q += "&X-Amz-Expires=" + std::to_string(expires_seconds);
  if (with_token) q += "&X-Amz-Security-Token=" + http::uri_encode(creds.session_token, false);
  q += "&X-Amz-SignedHeaders=" + http::uri_encode(signed_headers, false);
  return q;
}

}  // namespace

std::string amz_date(std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  const auto seconds = floor<std::chrono::seconds>(time);
  const auto day = floor<days>(seconds);
  const year_month_day ymd{day};
  const hh_mm_ss clock{seconds - day};
  char out[32];
  std::snprintf(out, sizeof out, "%04d%02u%02uT%02d%02d%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
                static_cast<int>(clock.seconds().count()));
  return out;
}

std::string Scope::str() const { return date + "/" + region + "/" + service + "/aws4_request"; }

Scope make_scope(std::chrono::system_clock::time_point time, std::string_view region,
                 std::string_view service) {
  return Scope{amz_date(time).substr(0, 8), std::string(region), std::string(service)};
}

std::string string_to_sign(std::string_view amz_date, const Scope& scope, std::string_view canonical_request) {
  std::string out(kAlgorithm);
  out += '\n';
  out.append(amz_date);
  out += '\n';
  out += scope.str();
  out += '\n';
  out += sha256_hex(canonical_request);
  return out;
}

std::string signature(const Sha256Digest& signing_key, std::string_view string_to_sign) {
  std::string_view key(reinterpret_cast<const char*>(signing_key.data()), signing_key.size());
  return hex_lower(hmac_sha256(key, string_to_sign));
}

std::string authorization_header(std::string_view access_key_id, const Scope& scope,
                                 std::string_view signed_headers, std::string_view signature) {
  std::string out(kAlgorithm);
  out += " Credential=";
  out.append(access_key_id);
  out += '/';
  out += scope.str();
  out += ", SignedHeaders=";
  out.append(signed_headers);
  out += ", Signature=";
  out.append(signature);
  return out;
}

SigningResult sign_headers(http::Request& req, const Credentials& creds, const SigningParams& params,
                           std::string_view payload_hash) {
  const UrlParts url = split_url(req.url);
  const std::string date = amz_date(params.time);
  const Scope scope = make_scope(params.time, params.region, params.service);
  const bool has_token = !creds.session_token.empty();

  remove_header(req.headers, "Authorization");
  set_header(req.headers, "Host", url.host);
  set_header(req.headers, "x-amz-date", date);
  if (params.add_content_sha256_header) set_header(req.headers, "x-amz-content-sha256", payload_hash);
  if (has_token) {
    if (params.sign_session_token) {
      set_header(req.headers, "x-amz-security-token", creds.session_token);
    } else {
      remove_header(req.headers, "x-amz-security-token");
    }
  }

  SigningResult result;
  CanonicalRequest canonical =
      canonical_request(req.method, url.path, url.query, req.headers, payload_hash, params.path_rule);
  result.canonical_request = std::move(canonical.text);
  result.signed_headers = std::move(canonical.signed_headers);
  result.string_to_sign = string_to_sign(date, scope, result.canonical_request);
  result.signature = signature(signing_key_cache().get(creds.secret_access_key, scope), result.string_to_sign);

  if (has_token && !params.sign_session_token) {
    req.headers.push_back({"x-amz-security-token", creds.session_token});
  }
  req.headers.push_back(
      {"Authorization", authorization_header(creds.access_key_id, scope, result.signed_headers, result.signature)});
  return result;
}

Presigned presign(const http::Request& req, const Credentials& creds, const SigningParams& params,
                  std::string_view payload_hash, int expires_seconds) {
  if (expires_seconds < 1 || expires_seconds > kMaxPresignExpiresSeconds) {
    throw std::invalid_argument("presigned URL expiry must be 1.." + std::to_string(kMaxPresignExpiresSeconds) +
                                " seconds (S3 query-string auth limit), got " + std::to_string(expires_seconds));
  }
  const UrlParts url = split_url(req.url);
  const std::string date = amz_date(params.time);
  const Scope scope = make_scope(params.time, params.region, params.service);
  const bool has_token = !creds.session_token.empty();

  http::Headers headers = req.headers;
  remove_header(headers, "Authorization");
  set_header(headers, "Host", url.host);
  const std::string signed_headers = canonical_headers(headers).signed_headers;

  std::string query = url.query;
  if (!query.empty()) query += '&';
  query += auth_query(creds, scope, date, expires_seconds, has_token && params.sign_session_token, signed_headers);

  Presigned out;
  CanonicalRequest canonical = canonical_request(req.method, url.path, query, headers, payload_hash, params.path_rule);
  out.stages.canonical_request = std::move(canonical.text);
  out.stages.signed_headers = std::move(canonical.signed_headers);
  out.stages.string_to_sign = string_to_sign(date, scope, out.stages.canonical_request);
  out.stages.signature =
      signature(signing_key_cache().get(creds.secret_access_key, scope), out.stages.string_to_sign);

  out.url = url.scheme + "://" + url.host + url.path + "?" + canonical_query(query) +
            "&X-Amz-Signature=" + out.stages.signature;
  if (has_token && !params.sign_session_token) {
    out.url += "&X-Amz-Security-Token=" + http::uri_encode(creds.session_token, false);
  }
  return out;
}

SigningParams s3_signing_params(const std::string& region, std::chrono::system_clock::time_point now) {
  SigningParams params;
  params.region = region;
  params.service = "s3";
  params.time = now;
  params.path_rule = kS3PathRule;
  // S3 wants the token signed (S3 API Reference, "Authenticating Requests").
  params.sign_session_token = true;
  // S3 refuses a header-signed request without x-amz-content-sha256.
  params.add_content_sha256_header = true;
  return params;
}

void sign_s3_request(http::Request& req, const Credentials& creds, const std::string& region,
                     std::chrono::system_clock::time_point now, const std::string& payload_sha256_hex) {
  sign_headers(req, creds, s3_signing_params(region, now), payload_sha256_hex);
}

std::string presign_s3_url(const std::string& method, const std::string& url, const Credentials& creds,
                           const std::string& region, std::chrono::system_clock::time_point now,
                           int expires_seconds) {
  http::Request req;
  req.method = method;
  req.url = url;
  // The body of a presigned request is whatever its holder sends: unsigned
  // (S3 API Reference, "Authenticating Requests: Using Query Parameters").
  return presign(req, creds, s3_signing_params(region, now), kUnsignedPayload, expires_seconds).url;
}

}  // namespace pgdump2s3::s3::sigv4
