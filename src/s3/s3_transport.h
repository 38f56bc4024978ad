// The HTTP layer as the S3 client sees it, so that unit tests can put an
// in-memory S3 in its place (STYLE.md habit 9; DuckDB httpfs). Production
// uses libcurl through http::Client.
#pragma once

#include <functional>
#include <memory>

#include "http/client.h"

namespace pgdump2s3::s3 {

// One connection's worth of transport: used by one thread at a time.
class Transport {
 public:
  virtual ~Transport() = default;
  // A Response for any HTTP status; http::TransportError when none came.
  virtual http::Response perform(const http::Request& request) = 0;
};

// Makes a new Transport (a new connection) for each S3Client.
using TransportFactory = std::function<std::unique_ptr<Transport>()>;

// libcurl with these options (timeouts, the low-speed limit that detects a
// stalled connection, the CA bundle).
TransportFactory curl_transport(http::Options options);

}  // namespace pgdump2s3::s3
