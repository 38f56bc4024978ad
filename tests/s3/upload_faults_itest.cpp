// The multipart engine under s3gate's fault rules and access policies:
// retries that succeed, failures that end in exactly one abort, and the
// minimal IAM policy of the fly-pg-dump-to-s3 README.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "s3_itest_support.h"
#include "support/gate_admin.h"

namespace pgdump2s3::s3 {
namespace {

using namespace itest;
using nlohmann::json;
using pgdump2s3::testing::GateAdmin;
constexpr std::size_t k5MiB = 5 * 1024 * 1024;

class UploadFaults : public ::testing::Test {
 protected:
  void SetUp() override { gate_.reset(); }
  void TearDown() override {
    gate_.reset();
    gate_.clear_policy(limited_access_key());
  }
  static std::string limited_access_key() {
    return pgdump2s3::testing::required_env("PGDUMP2S3_TEST_S3GATE_LIMITED_ACCESS_KEY");
  }
  // Open multipart uploads the gate tracks for `key`.
  std::size_t open_uploads_for(const std::string& key) {
    std::size_t n = 0;
    for (const auto& u : gate_.open_uploads()) n += u["key"] == key ? 1 : 0;
    return n;
  }
  std::vector<int> statuses(const json& log, const std::string& operation, const std::string& key,
                            const std::string& query_part = "") {
    std::vector<int> out;
    for (const auto& e : entries(log, operation, logged_path(service_, key))) {
      if (e["query"].get<std::string>().find(query_part) == std::string::npos) continue;
      out.push_back(e["status"].is_number() ? e["status"].get<int>() : 0);
    }
    return out;
  }
  S3Service service_ = pgdump2s3::testing::s3gate();
  GateAdmin gate_{service_};
};

// SlowDown on part 2, a reset on part 3, a stall on part 4 (the 2 s
// low-speed limit fires), a 500 on CompleteMultipartUpload and then a 200
// whose body is <Error>: every one is retried and the upload succeeds.
TEST_F(UploadFaults, RetriableFaultsAreRetriedAndTheUploadSucceeds) {
  std::string key = unique_key("faults.bin");
  std::string data = random_bytes(6 * k5MiB + 123, 7);
  gate_.set_faults(json::parse(R"json([
    {"method": "PUT", "query": "partNumber=2(&|$)", "times": 1, "action": {"status": 503, "code": "SlowDown"}},
    {"method": "PUT", "query": "partNumber=3(&|$)", "times": 1, "action": "reset"},
    {"method": "PUT", "query": "partNumber=4(&|$)", "times": 1, "action": {"stall": 4}},
    {"method": "POST", "query": "uploadId=", "times": 1, "action": {"status": 500, "code": "InternalError"}},
    {"method": "POST", "query": "uploadId=", "times": 1, "action": {"error_200": true, "forward": false}}
  ])json"));
  S3Client client = client_for(service_);
  MultipartUploadOptions options;
  options.concurrency = 4;
  UploadResult result = upload_bytes(client, {service_.bucket, key}, data, k5MiB, options);
  EXPECT_EQ(result.parts.size(), 7u);

  for (const auto& rule : gate_.faults()) EXPECT_EQ(rule["applied"], 1) << rule.dump();
  // The gate logs a request when it ends: the stalled one once its 4 s are up.
  json log = gate_.log();
  for (int i = 0; i < 50 && statuses(log, "UploadPart", key, "partNumber=4&").size() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    log = gate_.log();
  }
  EXPECT_EQ(statuses(log, "UploadPart", key, "partNumber=2&"), (std::vector<int>{503, 200}));
  EXPECT_EQ(statuses(log, "UploadPart", key, "partNumber=3&").size(), 2u);
  EXPECT_EQ(statuses(log, "UploadPart", key, "partNumber=3&").back(), 200);
  EXPECT_EQ(statuses(log, "UploadPart", key, "partNumber=4&").size(), 2u);
  EXPECT_EQ(statuses(log, "UploadPart", key, "partNumber=4&").back(), 200);
  EXPECT_EQ(statuses(log, "CompleteMultipartUpload", key), (std::vector<int>{500, 200, 200}));
  EXPECT_TRUE(statuses(log, "AbortMultipartUpload", key).empty());
  EXPECT_EQ(open_uploads_for(key), 0u);
  EXPECT_TRUE(read_back_with_aws_cli(service_, key) == data);
}

// Complete answers 500 every time: after the policy's 4 attempts the upload
// fails, one abort is sent, nothing stays open, the previous object is intact.
TEST_F(UploadFaults, CompleteThatKeepsFailingEndsInExactlyOneAbort) {
  std::string key = unique_key("complete-fails.bin");
  S3Client client = client_for(service_);
  std::string previous = "the backup from yesterday";
  client.put_object({service_.bucket, key}, {previous}, BodyDigests::of({previous}));
  gate_.set_faults(json::parse(
      R"json([{"method": "POST", "query": "uploadId=", "times": 0, "action": {"status": 500, "code": "InternalError"}}])json"));
  std::string data = random_bytes(2 * k5MiB, 8);
  try {
    upload_bytes(client, {service_.bucket, key}, data, k5MiB);
    FAIL() << "the upload succeeded";
  } catch (const RuntimeError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("CompleteMultipartUpload s3://backups/" + key + " failed after 4 attempts: HTTP 500 InternalError"),
              std::string::npos) << what;
    EXPECT_NE(what.find("the multipart upload was aborted"), std::string::npos) << what;
  }
  json log = gate_.log();
  EXPECT_EQ(statuses(log, "CompleteMultipartUpload", key).size(), 4u);
  EXPECT_EQ(statuses(log, "AbortMultipartUpload", key), (std::vector<int>{204}));
  EXPECT_EQ(open_uploads_for(key), 0u);
  EXPECT_EQ(read_back_with_aws_cli(service_, key), previous);
}

// A permanent 403 on part 2: no retry of it, one abort, nothing left open.
TEST_F(UploadFaults, APermanentPartFailureFailsAtOnceAndAborts) {
  std::string key = unique_key("part-denied.bin");
  gate_.set_faults(json::parse(
      R"json([{"method": "PUT", "query": "partNumber=2(&|$)", "times": 0, "action": {"status": 403, "code": "AccessDenied"}}])json"));
  S3Client client = client_for(service_);
  std::string data = random_bytes(5 * k5MiB, 9);
  try {
    upload_bytes(client, {service_.bucket, key}, data, k5MiB);
    FAIL() << "the upload succeeded";
  } catch (const RuntimeError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("UploadPart s3://backups/" + key + " part 2 failed after 1 attempt: HTTP 403 AccessDenied"),
              std::string::npos) << what;
    EXPECT_NE(what.find("s3:PutObject on arn:aws:s3:::backups/" + key), std::string::npos) << what;
  }
  json log = gate_.log();
  EXPECT_EQ(statuses(log, "UploadPart", key, "partNumber=2&"), (std::vector<int>{403}));
  EXPECT_TRUE(statuses(log, "CompleteMultipartUpload", key).empty());
  EXPECT_EQ(statuses(log, "AbortMultipartUpload", key), (std::vector<int>{204}));
  EXPECT_EQ(open_uploads_for(key), 0u);
}

// Exactly the IAM policy of the fly-pg-dump-to-s3 README on the one key:
// a multipart upload, a single PutObject, and an upload that fails (and so
// aborts) all work, and no other action is ever used.
TEST_F(UploadFaults, TheSeedReadmePolicyIsEnough) {
  std::string key = unique_key("db.tar.gz");
  const std::string access_key = limited_access_key();
  gate_.set_policy(access_key, {{"Version", "2012-10-17"},
                                {"Statement",
                                 {{{"Sid", "WriteDatabaseBackups"},
                                   {"Effect", "Allow"},
                                   {"Action", {"s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"}},
                                   {"Resource", {"arn:aws:s3:::backups/" + key}}}}}});
  S3Client limited(config_for(service_, access_key,
                              pgdump2s3::testing::required_env("PGDUMP2S3_TEST_S3GATE_LIMITED_SECRET_KEY")));
  std::string big = random_bytes(2 * k5MiB + 5, 10);
  EXPECT_TRUE(upload_bytes(limited, {service_.bucket, key}, big, k5MiB).multipart);
  EXPECT_TRUE(read_back_with_aws_cli(service_, key) == big);
  std::string small = random_bytes(1000, 11);
  EXPECT_FALSE(upload_bytes(limited, {service_.bucket, key}, small, k5MiB).multipart);
  EXPECT_TRUE(read_back_with_aws_cli(service_, key) == small);

  gate_.set_faults(json::parse(
      R"json([{"method": "POST", "query": "uploadId=", "times": 0, "action": {"status": 500, "code": "InternalError"}}])json"));
  EXPECT_THROW(upload_bytes(limited, {service_.bucket, key}, big, k5MiB), RuntimeError);
  EXPECT_EQ(open_uploads_for(key), 0u);

  std::set<std::string> actions;
  for (const auto& e : gate_.log()) {
    if (e["access_key"] != access_key) continue;
    actions.insert(e["action"].get<std::string>());
    EXPECT_NE(e["status"], 403) << e.dump();
  }
  EXPECT_EQ(actions, (std::set<std::string>{"s3:PutObject", "s3:AbortMultipartUpload"}));
}

}  // namespace
}  // namespace pgdump2s3::s3
