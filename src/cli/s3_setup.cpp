#include "cli/s3_setup.h"

#include "s3/credential_chain.h"

namespace pgdump2s3::cli {

s3::S3Client S3Setup::client() const {
  s3::S3ClientConfig config;
  config.settings = settings;
  config.credentials = credentials;
  // x-amz-checksum-sha256 on AWS (reuses the signing SHA-256: no MD5 pass),
  // Content-MD5 on other stores, which all verify it.
  config.checksum = s3::default_checksum_for(settings);
  return s3::S3Client(std::move(config));
}

S3Setup resolve_s3_setup(const Environment& env) {
  S3Setup setup;
  setup.settings = s3::resolve_aws_settings(env);
  setup.credentials = s3::make_credentials_provider(env, setup.settings);
  return setup;
}

}  // namespace pgdump2s3::cli
