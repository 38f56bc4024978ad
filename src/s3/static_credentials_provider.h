// Credentials that never change: long-lived keys given directly (tests,
// benchmarks, and the environment-variable source of the credential chain).
#pragma once

#include <string>

#include "s3/credentials.h"

namespace pgdump2s3::s3 {

class StaticCredentialsProvider : public CredentialsProvider {
 public:
  // Registers the secret and token for redaction (register_secrets).
  StaticCredentialsProvider(Credentials credentials, std::string source);
  Credentials get() override { return credentials_; }
  // Nothing to refresh: the next get() returns the same keys (so an
  // ExpiredToken retry fails again and is reported).
  void invalidate() override {}
  std::string source() const override { return source_; }

 private:
  const Credentials credentials_;  // immutable: safe to read from any thread
  const std::string source_;
};

}  // namespace pgdump2s3::s3
