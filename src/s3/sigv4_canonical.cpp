// Stage 1 of SigV4: the canonical request (AWS General Reference, "Create a
// canonical request"; S3 API Reference, "Task 1: Create a Canonical Request").
#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <utility>

#include "s3/signer.h"

namespace pgdump2s3::s3::sigv4 {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string to_lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Trimmed, with every run of whitespace (also obs-fold line breaks) as one
// space: "Trimall" in the SigV4 canonical-headers rule.
std::string trim_all(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  bool pending_space = false;
  for (char c : value) {
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

std::string_view default_port(std::string_view scheme) {
  if (scheme == "https") return "443";
  if (scheme == "http") return "80";
  return {};
}

}  // namespace

UrlParts split_url(std::string_view url) {
  UrlParts parts;
  std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) {
    throw std::invalid_argument("URL without scheme://host: " + std::string(url));
  }
  parts.scheme = to_lower(url.substr(0, scheme_end));
  std::string_view rest = url.substr(scheme_end + 3);
  if (std::size_t hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  std::size_t authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  if (authority.empty()) throw std::invalid_argument("URL without host: " + std::string(url));
  rest = authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);

  // The port follows the last ':' after any IPv6 literal's ']'.
  std::size_t colon = authority.rfind(':');
  std::size_t bracket = authority.rfind(']');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    std::string_view port = authority.substr(colon + 1);
    // curl sends Host without the port when it is the scheme's default.
    if (port.empty() || port == default_port(parts.scheme)) authority = authority.substr(0, colon);
  }
  parts.host = std::string(authority);

  std::size_t question = rest.find('?');
  parts.path = std::string(rest.substr(0, question));
  if (parts.path.empty()) parts.path = "/";
  if (question != std::string_view::npos) parts.query = std::string(rest.substr(question + 1));
  return parts;
}

std::string normalize_path(std::string_view path) {
  // A path ending in '/', "." or ".." names a directory and keeps a
  // trailing slash ("/a/b/.." is "/a/"), as in RFC 3986 section 5.2.4.
  std::string_view last = path.substr(path.rfind('/') + 1);
  bool names_directory = last.empty() || last == "." || last == "..";
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view segment = path.substr(start, end - start);
    start = end + 1;
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
      continue;
    }
    segments.push_back(segment);
  }
  std::string out;
  for (std::string_view segment : segments) {
    out += '/';
    out += segment;
  }
  if (out.empty() || names_directory) out += '/';
  return out;
}

std::string canonical_uri(std::string_view path, CanonicalOptions options) {
  std::string normalized = options.normalize_path ? normalize_path(path) : std::string(path);
  std::string uri = options.double_encode_path ? http::uri_encode(normalized, /*keep_slash=*/true)
                                               : http::uri_encode(http::uri_decode(normalized), true);
  return uri.empty() ? "/" : uri;
}

std::string canonical_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  std::size_t start = 0;
  while (start < query.size()) {
    std::size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    std::string_view item = query.substr(start, end - start);
    start = end + 1;
    if (item.empty()) continue;  // "a=1&&b=2", a trailing '&'
    std::size_t eq = item.find('=');
    std::string_view name = item.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view{} : item.substr(eq + 1);
    pairs.emplace_back(http::uri_encode(http::uri_decode(name), false),
                       http::uri_encode(http::uri_decode(value), false));
  }
  // Sorted by encoded name, then value (a repeated name: by value).
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [name, value] : pairs) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

CanonicalHeaders canonical_headers(const http::Headers& headers) {
  std::vector<std::pair<std::string, std::string>> entries;
  entries.reserve(headers.size());
  for (const http::Header& h : headers) {
    std::string name = to_lower(h.name);
    if (name == "authorization") continue;
    entries.emplace_back(std::move(name), trim_all(h.value));
  }
  // Stable: the values of a repeated header keep the order they were sent in.
  std::stable_sort(entries.begin(), entries.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  CanonicalHeaders out;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const std::string& name = entries[i].first;
    bool repeated = i > 0 && entries[i - 1].first == name;
    if (repeated) {
      out.block.pop_back();  // the '\n' of the previous value
      out.block += ',';
    } else {
      if (!out.signed_headers.empty()) out.signed_headers += ';';
      out.signed_headers += name;
      out.block += name;
      out.block += ':';
    }
    out.block += entries[i].second;
    out.block += '\n';
  }
  return out;
}

CanonicalRequest canonical_request(std::string_view method, std::string_view path, std::string_view query,
                                   const http::Headers& headers, std::string_view payload_hash,
                                   CanonicalOptions options) {
  CanonicalHeaders canonical = canonical_headers(headers);
  CanonicalRequest out;
  out.text.append(method);
  out.text += '\n';
  out.text += canonical_uri(path, options);
  out.text += '\n';
  out.text += canonical_query(query);
  out.text += '\n';
  out.text += canonical.block;  // each line ends with '\n', then the blank line's '\n'
  out.text += '\n';
  out.text += canonical.signed_headers;
  out.text += '\n';
  out.text.append(payload_hash);
  out.signed_headers = std::move(canonical.signed_headers);
  return out;
}

}  // namespace pgdump2s3::s3::sigv4
