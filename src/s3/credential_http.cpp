#include "s3/credential_http.h"

#include <random>
#include <thread>

#include "util/error.h"
#include "util/log.h"

namespace pgdump2s3::s3 {

std::string CredentialResponse::attempts_text() const {
  return "after " + std::to_string(attempts) + (attempts == 1 ? " attempt" : " attempts");
}

CredentialResponse perform_credential_request(http::Client& client, const http::Request& request,
                                              const RetryPolicy& policy, const std::string& what,
                                              const std::function<bool(const http::Response&)>& retriable) {
  std::mt19937_64 random{std::random_device{}()};
  for (int attempt = 1;; ++attempt) {
    const bool last = attempt >= policy.max_attempts;
    try {
      http::Response response = client.perform(request);
      if (last || !retriable(response)) return {std::move(response), attempt};
    } catch (const http::TransportError& e) {
      if (last || !e.retriable()) {
        CredentialResponse failed{{}, attempt};
        throw RuntimeError(log::redact(what + " failed " + failed.attempts_text() + ": " + e.what()));
      }
    }
    std::this_thread::sleep_for(policy.backoff(attempt, random));
  }
}

}  // namespace pgdump2s3::s3
