// Temporary credentials from STS AssumeRoleWithWebIdentity, the way Fly.io
// machines get AWS access without static keys: Fly's init writes a fresh
// OIDC token to /.fly/oidc_token every 9 minutes and sets
// AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_SESSION_NAME; the user sets
// AWS_ROLE_ARN (refdata/fly/NOTES.md section 9). EKS IRSA works the same way.
//
// The token file is read again at every refresh, since its token expires
// (10 minutes on Fly) long before a backup of a large database ends.
#pragma once

#include <chrono>
#include <string>

#include "s3/refreshing_credentials_provider.h"

namespace pgdump2s3::s3 {

struct WebIdentityConfig {
  std::string role_arn;
  std::string token_file;
  std::string session_name;  // AWS_ROLE_SESSION_NAME, else pgdump2s3-<unix time>
  std::string sts_endpoint;
  std::string ca_bundle;
  std::string origin;        // "environment" or "profile NAME in PATH", for source()
  // How long to wait for a token file that does not exist yet: on Fly.io
  // it appears some seconds after the machine boots (no official figure;
  // one third-party project waits up to 30 s for it).
  std::chrono::milliseconds token_file_wait{30'000};
};

class WebIdentityCredentialsProvider final : public RefreshingCredentialsProvider {
 public:
  explicit WebIdentityCredentialsProvider(WebIdentityConfig config);
  std::string source() const override;

 protected:
  Credentials fetch() override;

 private:
  std::string read_token() const;

  const WebIdentityConfig config_;
};

}  // namespace pgdump2s3::s3
