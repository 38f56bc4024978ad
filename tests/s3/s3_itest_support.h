// Helpers of the S3 integration tests: clients for the test services,
// uploads through the multipart engine, reading back with the AWS CLI, and
// reading the s3gate request log.
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "http/client.h"
#include "s3/multipart_upload.h"
#include "s3/s3_client.h"
#include "s3/static_credentials_provider.h"
#include "support/process.h"
#include "support/services.h"

namespace pgdump2s3::s3::itest {

using pgdump2s3::testing::S3Service;

// Fast retries and a 2 s low-speed window, so fault tests take seconds.
inline S3ClientConfig config_for(const S3Service& service, const std::string& access_key,
                                 const std::string& secret_key) {
  S3ClientConfig config;
  config.settings.endpoint_url = service.endpoint;
  config.settings.path_style = true;
  config.settings.region = service.region;
  config.credentials =
      std::make_shared<StaticCredentialsProvider>(Credentials{access_key, secret_key, "", {}}, "test keys");
  config.retry.max_attempts = 4;
  config.retry.base_delay = std::chrono::milliseconds(10);
  config.retry.max_delay = std::chrono::milliseconds(100);
  config.http.low_speed_time_s = 2;
  return config;
}

inline S3Client client_for(const S3Service& service) {
  return S3Client(config_for(service, service.access_key, service.secret_key));
}

inline S3Service service_named(const std::string& name) {
  return name == "rgw" ? pgdump2s3::testing::rgw() : pgdump2s3::testing::s3gate();
}

// Bytes that do not compress and differ per seed.
inline std::string random_bytes(std::size_t size, std::uint64_t seed) {
  std::string out(size, '\0');
  std::mt19937_64 random(seed);
  std::size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    std::uint64_t v = random();
    std::memcpy(out.data() + i, &v, 8);
  }
  for (; i < size; ++i) out[i] = static_cast<char>(random());
  return out;
}

// A key no earlier test (nor an earlier run on the same fixture) used.
inline std::string unique_key(const std::string& name) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string test = std::string(info->test_suite_name()) + "." + info->name();
  std::replace(test.begin(), test.end(), '/', '-');
  return "s3-itest/" + test + "-" + std::to_string(std::random_device{}()) + "/" + name;
}

// Streams `data` through the multipart engine in parts of `part_size`
// (the last may be shorter), as the pipeline does.
inline UploadResult upload_bytes(const S3Client& client, const S3Location& at, std::string_view data,
                                 std::size_t part_size, MultipartUploadOptions options = {}) {
  MultipartUpload upload(client, at, options);
  for (std::size_t offset = 0; offset < data.size(); offset += part_size) {
    upload.add_part({{data.substr(offset, part_size), nullptr}});
  }
  return upload.finish();
}

// The object as the AWS CLI reads it (an independent client).
inline std::string read_back_with_aws_cli(const S3Service& service, const std::string& key) {
  pgdump2s3::testing::TempDir dir;
  std::string file = dir.file("object");
  auto result = pgdump2s3::testing::aws_cli(
      service, {"s3api", "get-object", "--bucket", service.bucket, "--key", key, file}, {.env = {}, .unset_env = {}, .stdin_data = {}, .stdout_file = {}, .timeout_s = 600});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  return pgdump2s3::testing::read_file(file);
}

// The path s3gate logs for a key (as sent, encoded once).
inline std::string logged_path(const S3Service& service, const std::string& key) {
  return "/" + service.bucket + "/" + http::uri_encode(key, /*keep_slash=*/true);
}

// Log entries of `operation` on `path`, in the order they arrived.
inline std::vector<nlohmann::json> entries(const nlohmann::json& log, const std::string& operation,
                                           const std::string& path) {
  std::vector<nlohmann::json> out;
  for (const auto& e : log) {
    if (e["operation"] == operation && e["path"] == path) out.push_back(e);
  }
  return out;
}

// "2026-11-25T16:15:46.123Z" → milliseconds since the epoch.
inline double log_time_ms(const std::string& text) {
  std::tm tm{};
  strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  double ms = static_cast<double>(timegm(&tm)) * 1000.0;
  auto dot = text.find('.');
  if (dot != std::string::npos) ms += std::stod(text.substr(dot + 1, 3));
  return ms;
}

// The most requests among `requests` that were being served at the same
// moment (each spans [time, time + ms] in the gate's log).
inline int max_overlap(const std::vector<nlohmann::json>& requests) {
  std::vector<std::pair<double, int>> events;
  for (const auto& e : requests) {
    double start = log_time_ms(e["time"].get<std::string>());
    events.emplace_back(start, +1);
    events.emplace_back(start + e["ms"].get<double>(), -1);
  }
  std::sort(events.begin(), events.end());  // an end sorts before a start at the same time
  int now = 0, most = 0;
  for (const auto& [time, delta] : events) most = std::max(most, now += delta);
  return most;
}

}  // namespace pgdump2s3::s3::itest
