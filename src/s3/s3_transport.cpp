#include "s3/s3_transport.h"

namespace pgdump2s3::s3 {
namespace {

class CurlTransport : public Transport {
 public:
  explicit CurlTransport(const http::Options& options) : client_(options) {}
  http::Response perform(const http::Request& request) override { return client_.perform(request); }

 private:
  http::Client client_;
};

}  // namespace

TransportFactory curl_transport(http::Options options) {
  return [options = std::move(options)] { return std::make_unique<CurlTransport>(options); };
}

}  // namespace pgdump2s3::s3
