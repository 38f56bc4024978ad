#include "support/tool_env.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace pgdump2s3::testing {

CommandOptions tool_options(const S3Service& s3) {
  CommandOptions o;
  o.env = {
      {"AWS_ACCESS_KEY_ID", s3.access_key},
      {"AWS_SECRET_ACCESS_KEY", s3.secret_key},
      {"AWS_ENDPOINT_URL_S3", s3.endpoint},
      {"AWS_REGION", s3.region},
      {"AWS_EC2_METADATA_DISABLED", "true"},
      {"AWS_CONFIG_FILE", "/dev/null"},
      {"AWS_SHARED_CREDENTIALS_FILE", "/dev/null"},
  };
  o.unset_env = {
      "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_DEFAULT_REGION",
      "AWS_ENDPOINT_URL", "AWS_CA_BUNDLE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_SESSION_NAME",
      "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
      "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "AWS_S3_FORCE_PATH_STYLE",
      "DATABASE_URL", "S3_DESTINATION", "S3_DESTINATON", "BACKUP_CONFIGURATION_NAMES", "PG_DUMP_ARGS",
      "PG_DUMP_PATH", "BACKUPS_TEMP_DIR", "THREAD_COUNT", "COMPRESSION_THREAD_COUNT", "COMPRESS_LEVEL",
      "COMPRESSOR", "MAX_MEMORY", "UPLOAD_CONCURRENCY", "QUIET", "LOG_FORMAT",
      "PGPASSWORD", "PGPASSFILE", "PGHOST", "PGHOSTADDR", "PGPORT", "PGUSER", "PGDATABASE", "PGSERVICE",
      "PGSERVICEFILE", "PGOPTIONS", "PGCONNECT_TIMEOUT", "PGSSLMODE",
  };
  return o;
}

std::string unique_key_prefix(const std::string& prefix) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string test = info == nullptr ? "no-test" : std::string(info->test_suite_name()) + "." + info->name();
  std::replace(test.begin(), test.end(), '/', '-');
  return prefix + "/" + test + "-" + std::to_string(std::random_device{}());
}

}  // namespace pgdump2s3::testing
