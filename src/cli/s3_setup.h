// The S3 connection every command makes the same way: the endpoint, region
// and addressing (aws_settings.h) and the credential chain
// (credential_chain.h), resolved from the environment as the AWS CLI does.
#pragma once

#include <memory>

#include "s3/aws_settings.h"
#include "s3/credentials.h"
#include "s3/s3_client.h"
#include "util/env.h"

namespace pgdump2s3::cli {

struct S3Setup {
  s3::AwsSettings settings;
  std::shared_ptr<s3::CredentialsProvider> credentials;
  // A client (one connection) with these settings and credentials.
  s3::S3Client client() const;
};

// Throws ConfigError (one line naming the variable) for bad settings or
// missing credentials.
S3Setup resolve_s3_setup(const Environment& env);

}  // namespace pgdump2s3::cli
