// The caching and refresh policy shared by every source of temporary
// credentials (STS web identity, container endpoint, EC2 instance metadata).
//
// Credentials are fetched on first use and kept until they come close to
// their expiration:
//   - within kAdvisoryRefresh of it, get() tries to fetch new ones but keeps
//     serving the current ones if that fails (a passing STS or metadata
//     outage does not fail a backup whose credentials are still good);
//   - within kMandatoryRefresh of it (or past it), get() must fetch new ones
//     and throws RuntimeError when it cannot.
// botocore uses the same two-window scheme (15 and 10 minutes); ours are
// shorter so that 15-minute credentials (the STS minimum) are not refreshed
// on every request.
//
// Threads: get() and invalidate() may be called from any thread; one mutex
// guards the cache, and fetch() runs under it, so concurrent callers wait
// for a single refresh instead of each calling the source.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>

#include "s3/credentials.h"

namespace pgdump2s3::s3 {

class RefreshingCredentialsProvider : public CredentialsProvider {
 public:
  static constexpr std::chrono::minutes kAdvisoryRefresh{5};
  static constexpr std::chrono::minutes kMandatoryRefresh{1};

  Credentials get() override;
  void invalidate() override;

 protected:
  // Fetches fresh credentials from the source; throws RuntimeError (or
  // ConfigError) when it cannot. Called with the cache lock held.
  virtual Credentials fetch() = 0;

 private:
  std::mutex mutex_;
  std::optional<Credentials> cached_;  // guarded by mutex_
};

}  // namespace pgdump2s3::s3
