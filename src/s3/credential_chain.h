// The AWS CLI's credential chain (botocore's create_credential_resolver):
// the first source that is configured wins, in this order:
//   1. AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN);
//   2. the profile's role_arn with source_profile / credential_source
//      (AssumeRole: not supported here; a clear error says so);
//   3. web identity: AWS_WEB_IDENTITY_TOKEN_FILE / the profile's
//      web_identity_token_file, with AWS_ROLE_ARN / its role_arn (each
//      variable wins over the profile key) -> STS AssumeRoleWithWebIdentity;
//   4. the profile's SSO settings (not supported; a clear error);
//   5. the profile's keys in the shared credentials file;
//   6. the profile's credential_process (not supported; a clear error);
//   7. the profile's keys in the config file;
//   8. container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI);
//   9. EC2 instance metadata (IMDSv2), unless AWS_EC2_METADATA_DISABLED=true.
// Sources 1-8 are chosen by configuration alone and fetch nothing until the
// first get(); instance metadata is asked at once (only an answer shows that
// it is there). Half-configured sources (a key without its secret, a token
// file without a role) are ConfigErrors, never skipped.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "s3/aws_settings.h"
#include "s3/container_provider.h"
#include "s3/credentials.h"
#include "util/env.h"

namespace pgdump2s3::s3 {

// Knobs for tests only: production code passes none.
struct CredentialChainOptions {
  // Test-only: where AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is served
  // (a loopback fake instead of the ECS agent's 169.254.170.2).
  std::string container_relative_base{kEcsCredentialsBase};
  // How long web identity waits for a token file that does not exist yet.
  std::chrono::milliseconds token_file_wait{30'000};
};

// Builds the provider of the first source that yields credentials. When
// none does, throws ConfigError: one line naming the variables to set (and
// why instance metadata gave nothing). No secret is ever in the error or in
// source().
std::unique_ptr<CredentialsProvider> make_credentials_provider(const Environment& env, const AwsSettings& settings,
                                                               const CredentialChainOptions& options = {});

}  // namespace pgdump2s3::s3
