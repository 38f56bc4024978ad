#include "support/s3_objects.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>

namespace pgdump2s3::testing {

void download(const S3Service& s3, const std::string& key, const std::string& path) {
  CommandResult r = aws_cli(s3, {"s3", "cp", "--only-show-errors", "s3://" + s3.bucket + "/" + key, path});
  EXPECT_EQ(r.exit_code, 0) << "aws s3 cp of " << key << "\n" << r.err;
}

std::vector<std::string> keys_under(const S3Service& s3, const std::string& prefix) {
  CommandResult r =
      aws_cli(s3, {"s3api", "list-objects-v2", "--bucket", s3.bucket, "--prefix", prefix, "--output", "json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> keys;
  if (r.exit_code != 0 || r.out.empty()) return keys;
  for (const auto& item : nlohmann::json::parse(r.out).value("Contents", nlohmann::json::array())) {
    keys.push_back(item.at("Key").get<std::string>());
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

}  // namespace pgdump2s3::testing
