// How often and how long to wait before retrying a retriable S3 failure:
// capped exponential backoff with full jitter (AWS Architecture Blog,
// "Exponential Backoff And Jitter": sleep = random(0, min(cap, base × 2^n))),
// so that many workers throttled at once do not retry in lockstep.
#pragma once

#include <chrono>
#include <random>

namespace pgdump2s3::s3 {

struct RetryPolicy {
  // Attempts per request, the first included. A backup may run for hours on
  // an ephemeral machine; a few more attempts than the AWS SDKs' default (3)
  // ride out a throttling burst without failing the whole dump.
  int max_attempts = 8;
  std::chrono::milliseconds base_delay{200};
  std::chrono::milliseconds max_delay{20'000};

  // The wait before retry number `retry` (1 = the wait after the first
  // failed attempt): uniform in [0, min(max_delay, base_delay × 2^(retry-1))].
  std::chrono::milliseconds backoff(int retry, std::mt19937_64& random) const;
  // The upper bound of that interval (for tests and logs).
  std::chrono::milliseconds backoff_ceiling(int retry) const;
};

}  // namespace pgdump2s3::s3
