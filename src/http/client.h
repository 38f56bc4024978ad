// HTTP transport on libcurl, shared by the S3 client, the credential
// providers and the Fly Machines API client. It knows HTTP, not S3.
//
// One Client owns one curl easy handle and so one connection cache: requests
// made through the same Client reuse its keep-alive connection. A Client is
// not thread-safe; concurrent uploads use one Client per worker thread.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace pgdump2s3::http {

struct Header {
  std::string name;
  std::string value;
};
using Headers = std::vector<Header>;

struct Request {
  std::string method = "GET";  // GET, HEAD, PUT, POST, DELETE
  std::string url;             // absolute and already percent-encoded; sent as given
  Headers headers;
  // The body as one or more pieces sent one after the other, in place: this
  // layer never copies them (a part is a list of compressor output slices).
  // They must stay valid until perform() returns. Their total size is always
  // sent as Content-Length (never chunked: S3 refuses Transfer-Encoding:
  // chunked).
  std::vector<std::string_view> body;
  std::size_t body_size() const;
  // For streamed downloads: when set, the body of a 2xx response is handed
  // over piece by piece as it arrives instead of being collected in
  // Response::body. Returning false aborts the transfer (TransportError).
  // Bodies of non-2xx responses are always collected, for error parsing.
  std::function<bool(std::string_view)> on_body;
  // Polled while the transfer runs (about once a second when idle, more
  // often while data moves): returning true ends it early with a
  // non-retriable TransportError, so that a cancelled backup does not wait
  // for a large part to finish.
  std::function<bool()> cancelled;
};

struct Response {
  long status = 0;
  Headers headers;
  std::string body;
  // Case-insensitive lookup; nullptr when absent.
  const std::string* header(std::string_view name) const;
};

struct Options {
  long connect_timeout_ms = 10'000;
  // A transfer slower than low_speed_limit bytes/s for low_speed_time_s
  // seconds is aborted (a stalled connection), as a retriable timeout.
  long low_speed_limit = 1024;
  long low_speed_time_s = 30;
  // Whole-request limit in ms; 0 means none (large parts take long).
  long total_timeout_ms = 0;
  // PEM bundle to verify TLS peers with (AWS_CA_BUNDLE); empty = system store.
  // Peer and host verification are always on.
  std::string ca_bundle;
  // Talk HTTP over this unix socket instead of TCP (the Fly API socket).
  std::string unix_socket;
};

// A request that got no HTTP response: DNS, connect, reset, timeout, TLS.
class TransportError : public std::runtime_error {
 public:
  TransportError(const std::string& what, int curl_code, bool retriable)
      : std::runtime_error(what), curl_code_(curl_code), retriable_(retriable) {}
  int curl_code() const { return curl_code_; }
  // Connection resets, timeouts and refused connections may succeed on a
  // new attempt; a bad URL or a TLS verification failure will not.
  bool retriable() const { return retriable_; }

 private:
  int curl_code_;
  bool retriable_;
};

class Client {
 public:
  explicit Client(Options options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Performs one request. Any HTTP status is a Response; only a failure to
  // get one throws TransportError.
  Response perform(const Request& request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Percent-encodes per RFC 3986 unreserved characters (A-Z a-z 0-9 - _ . ~);
// with keep_slash, '/' is left as is (S3 object keys in paths).
std::string uri_encode(std::string_view text, bool keep_slash);
// Decodes %XX sequences (and nothing else: '+' stays '+').
std::string uri_decode(std::string_view text);

}  // namespace pgdump2s3::http
