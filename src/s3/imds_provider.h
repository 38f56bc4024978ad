// Temporary credentials of the IAM role attached to an EC2 instance, from the
// instance metadata service with IMDSv2 sessions (EC2 user guide, "Use the
// Instance Metadata Service to access instance metadata"):
//   PUT  /latest/api/token  (X-aws-ec2-metadata-token-ttl-seconds) -> token
//   GET  /latest/meta-data/iam/security-credentials/               -> role name
//   GET  /latest/meta-data/iam/security-credentials/ROLE           -> JSON
// the GETs carrying X-aws-ec2-metadata-token. IMDSv1 (no token) is not used.
//
// It is the last source of the chain and is asked on every machine that has
// no other credentials, so its timeouts are short, as in the AWS CLI: 1 s and
// one attempt unless AWS_METADATA_SERVICE_TIMEOUT / _NUM_ATTEMPTS say more.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>

#include "s3/aws_profile.h"
#include "s3/refreshing_credentials_provider.h"
#include "util/env.h"

namespace pgdump2s3::s3 {

struct ImdsConfig {
  // AWS_EC2_METADATA_SERVICE_ENDPOINT, else http://169.254.169.254 (or
  // http://[fd00:ec2::254] with AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6).
  std::string endpoint = "http://169.254.169.254";
  std::chrono::milliseconds timeout{1'000};
  int attempts = 1;
};

// nullopt when AWS_EC2_METADATA_DISABLED=true (case-insensitive; botocore
// reads it from the environment only). The other settings are read from the
// environment, then the profile (ec2_metadata_service_endpoint,
// ec2_metadata_service_endpoint_mode, metadata_service_timeout,
// metadata_service_num_attempts). Throws ConfigError for a value that is not
// a positive number, a known mode or an http(s) URL.
std::optional<ImdsConfig> imds_config(const Environment& env, const AwsProfile& profile);

class ImdsCredentialsProvider final : public RefreshingCredentialsProvider {
 public:
  explicit ImdsCredentialsProvider(ImdsConfig config) : config_(std::move(config)) {}
  std::string source() const override;

 protected:
  Credentials fetch() override;

 private:
  const ImdsConfig config_;
  mutable std::mutex role_mutex_;
  std::string role_;  // the instance's role, once known; guarded by role_mutex_
};

}  // namespace pgdump2s3::s3
