#include "s3/retry_policy.h"

#include <algorithm>

namespace pgdump2s3::s3 {

std::chrono::milliseconds RetryPolicy::backoff_ceiling(int retry) const {
  // Doubling stops once past the cap (and long before 2^n overflows).
  std::chrono::milliseconds ceiling = base_delay;
  for (int i = 1; i < retry && ceiling < max_delay; ++i) ceiling *= 2;
  return std::min(ceiling, max_delay);
}

std::chrono::milliseconds RetryPolicy::backoff(int retry, std::mt19937_64& random) const {
  std::uniform_int_distribution<long long> jitter(0, backoff_ceiling(retry).count());
  return std::chrono::milliseconds(jitter(random));
}

}  // namespace pgdump2s3::s3
