// How a test runs the pgdump2s3 binary as a user would: its own S3 keys and
// endpoint, and nothing from the test's own environment that could change
// what it does (no AWS profile, no stray DATABASE_URL or PG* variables).
#pragma once

#include <string>

#include "support/process.h"
#include "support/services.h"

namespace pgdump2s3::testing {

// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY of `s3`, AWS_ENDPOINT_URL_S3,
// AWS_REGION, AWS_EC2_METADATA_DISABLED=true, AWS config files /dev/null;
// every other variable the tool reads is unset. Add DATABASE_URL and
// S3_DESTINATION (or flags) on top.
CommandOptions tool_options(const S3Service& s3);

// "PREFIX/Suite.Test-RANDOM": a key prefix no other test, nor an earlier run
// against the same fixture, used.
std::string unique_key_prefix(const std::string& prefix);

}  // namespace pgdump2s3::testing
