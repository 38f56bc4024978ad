// Objects in a test's S3 service, read through the AWS CLI (an independent
// client: what our own code wrote is checked by someone else's).
#pragma once

#include <string>
#include <vector>

#include "support/process.h"
#include "support/services.h"

namespace pgdump2s3::testing {

// Downloads s3://BUCKET/KEY to `path`; fails the test when it cannot.
void download(const S3Service& s3, const std::string& key, const std::string& path);
// The keys under `prefix`, sorted (ListObjectsV2).
std::vector<std::string> keys_under(const S3Service& s3, const std::string& prefix);

}  // namespace pgdump2s3::testing
