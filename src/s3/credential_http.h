// One request to a credential source (STS, a container endpoint, EC2
// instance metadata), retried the way those sources' clients retry:
// transport errors that may pass (resets, refused connections, timeouts)
// and responses the caller calls retriable, with capped jittered backoff.
#pragma once

#include <functional>
#include <string>

#include "http/client.h"
#include "s3/retry_policy.h"

namespace pgdump2s3::s3 {

struct CredentialResponse {
  http::Response response;
  int attempts = 0;
  // "after 1 attempt" / "after 3 attempts", for error messages.
  std::string attempts_text() const;
};

// Returns the last response, whatever its status. Throws RuntimeError
// "WHAT failed after N attempts: CAUSE" when no response came back; the text
// passes log::redact, so a registered secret never reaches it.
CredentialResponse perform_credential_request(http::Client& client, const http::Request& request,
                                              const RetryPolicy& policy, const std::string& what,
                                              const std::function<bool(const http::Response&)>& retriable);

}  // namespace pgdump2s3::s3
