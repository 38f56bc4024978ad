#include "s3/refreshing_credentials_provider.h"

#include <exception>

#include "util/log.h"

namespace pgdump2s3::s3 {

Credentials RefreshingCredentialsProvider::get() {
  std::lock_guard lock(mutex_);
  const auto now = std::chrono::system_clock::now();
  if (cached_) {
    // Credentials without an expiration are kept until invalidate().
    if (!cached_->expiration || *cached_->expiration - now > kAdvisoryRefresh) return *cached_;
    if (*cached_->expiration - now > kMandatoryRefresh) {
      try {
        cached_ = fetch();
        register_secrets(*cached_);
      } catch (const std::exception& e) {
        log::warn("could not refresh AWS credentials yet; the current ones are still valid",
                  {{"source", source()}, {"error", e.what()}});
      }
      return *cached_;
    }
  }
  cached_ = fetch();
  register_secrets(*cached_);
  return *cached_;
}

void RefreshingCredentialsProvider::invalidate() {
  std::lock_guard lock(mutex_);
  cached_.reset();
}

}  // namespace pgdump2s3::s3
