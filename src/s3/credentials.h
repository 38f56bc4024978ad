// AWS credentials and where they come from, resolved in the AWS CLI's order
// (the first source that yields credentials wins): environment variables,
// web identity (AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE, e.g. Fly.io's
// OIDC token), the shared profile files, container credentials, and EC2
// instance metadata (IMDSv2) last. The chain is built by
// make_credentials_provider (credential_chain.h).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "util/env.h"

namespace pgdump2s3::s3 {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty for long-lived keys
  // Set for temporary credentials (STS, container, IMDS).
  std::optional<std::chrono::system_clock::time_point> expiration;
};

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  // Current credentials; temporary ones are refreshed before they expire.
  // Safe to call from several threads. Throws RuntimeError when a refresh fails.
  virtual Credentials get() = 0;
  // Forget cached credentials so that the next get() fetches new ones
  // (after S3 answered ExpiredToken).
  virtual void invalidate() = 0;
  // Where the credentials come from, for --dry-run and logs: e.g.
  // "environment (AWS_ACCESS_KEY_ID)" or "web identity (role arn:aws:iam::…)". Never a secret.
  virtual std::string source() const = 0;
};

// Registers the secret key and session token with the log redaction registry
// (log::add_secret), so that they never reach a log line. Every provider
// calls it on credentials it obtains.
void register_secrets(const Credentials& credentials);

// An AWS timestamp ("2024-06-19T12:00:00Z", optionally with fractional
// seconds) as a time point; nullopt when `text` is not one.
std::optional<std::chrono::system_clock::time_point> parse_aws_timestamp(std::string_view text);

// Credentials from the JSON document that the ECS/EKS container endpoint and
// EC2 instance metadata serve: AccessKeyId, SecretAccessKey, Token,
// Expiration. Throws RuntimeError naming `origin` (never a secret) when a
// field is missing.
Credentials parse_credentials_json(std::string_view body, const std::string& origin);

}  // namespace pgdump2s3::s3
