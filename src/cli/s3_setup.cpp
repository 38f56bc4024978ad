#include "cli/s3_setup.h"

#include "s3/credential_chain.h"

namespace pgdump2s3::cli {

s3::S3Client S3Setup::client() const {
  s3::S3ClientConfig config;
  config.settings = settings;
  config.credentials = credentials;
  return s3::S3Client(std::move(config));
}

S3Setup resolve_s3_setup(const Environment& env) {
  S3Setup setup;
  setup.settings = s3::resolve_aws_settings(env);
  setup.credentials = s3::make_credentials_provider(env, setup.settings);
  return setup;
}

}  // namespace pgdump2s3::cli
