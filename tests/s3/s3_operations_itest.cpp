// The other S3 operations against the test services: streamed download with
// resume, listing with pagination, batched delete, open uploads, metadata
// and the region redirect.
#include <gtest/gtest.h>

#include <thread>

#include "s3_itest_support.h"
#include "support/gate_admin.h"

namespace pgdump2s3::s3 {
namespace {

using namespace itest;
using nlohmann::json;
using pgdump2s3::testing::GateAdmin;

class S3Operations : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    service_ = service_named(GetParam());
    if (GetParam() == "gate") GateAdmin(service_).reset();
  }
  bool gate() const { return GetParam() == "gate"; }
  S3Service service_;
};

INSTANTIATE_TEST_SUITE_P(Services, S3Operations, ::testing::Values("gate", "rgw"),
                         [](const auto& info) { return info.param; });

TEST_P(S3Operations, MetadataAndHeadObject) {
  S3Client client = client_for(service_);
  std::string key = unique_key("meta.bin");
  std::string data = "payload";
  PutOptions options;
  options.metadata["pgdump2s3-sha256"] = sha256_hex(data);
  options.content_type = "application/gzip";
  client.put_object({service_.bucket, key}, {data}, BodyDigests::of({data}), options);
  std::optional<ObjectInfo> info = client.head_object({service_.bucket, key});
  ASSERT_TRUE(info);
  EXPECT_EQ(info->size, data.size());
  EXPECT_EQ(info->content_type, "application/gzip");
  EXPECT_EQ(info->metadata["pgdump2s3-sha256"], sha256_hex(data));
  EXPECT_FALSE(client.head_object({service_.bucket, key + ".missing"}));
}

TEST_P(S3Operations, GetStreamsTheObjectAndRanges) {
  S3Client client = client_for(service_);
  std::string key = unique_key("get.bin");
  std::string data = random_bytes(3 * 1024 * 1024 + 17, 3);
  client.put_object({service_.bucket, key}, {data}, BodyDigests::of({data}));
  std::string received;
  std::size_t pieces = 0;
  auto sink = [&](std::string_view bytes) {
    received.append(bytes);
    ++pieces;
    return true;
  };
  client.get_object({service_.bucket, key}, sink);
  EXPECT_TRUE(received == data);
  EXPECT_GT(pieces, 1u);  // streamed, not collected
  received.clear();
  client.get_object({service_.bucket, key}, sink, ByteRange{1000, 1999});
  EXPECT_TRUE(received == data.substr(1000, 1000));
  try {
    client.get_object({service_.bucket, key + ".missing"}, sink);
    FAIL() << "no error";
  } catch (const S3Error& e) {
    EXPECT_EQ(e.failure().code, "NoSuchKey");
  }
}

// s3gate sends the headers and half the body, then closes: the download
// resumes from the next byte, pinned to the same ETag, and is exact.
TEST(S3OperationsGate, DownloadCutInHalfResumesWithExactBytes) {
  S3Service service = pgdump2s3::testing::s3gate();
  GateAdmin gate(service);
  gate.reset();
  S3Client client = client_for(service);
  std::string key = unique_key("truncated.bin");
  std::string data = random_bytes(4 * 1024 * 1024 + 1, 4);
  client.put_object({service.bucket, key}, {data}, BodyDigests::of({data}));
  gate.set_faults(json::parse(R"json([{"method": "GET", "times": 1, "action": "truncate_response"}])json"));
  std::string received;
  ObjectInfo info = client.get_object({service.bucket, key}, [&](std::string_view b) {
    received.append(b);
    return true;
  });
  EXPECT_EQ(received.size(), data.size());
  EXPECT_TRUE(received == data);
  auto gets = entries(gate.log(), "GetObject", logged_path(service, key));
  ASSERT_EQ(gets.size(), 2u);
  EXPECT_EQ(gets[0]["fault"].is_null(), false);
  std::string resumed_range = gets[1]["headers"]["range"];
  EXPECT_TRUE(resumed_range.starts_with("bytes=") && !resumed_range.starts_with("bytes=0-")) << resumed_range;
  EXPECT_EQ(gets[1]["headers"]["if-match"], info.etag);
  gate.reset();
}

// 1,005 keys: ListObjectsV2 in pages of 400 (3 requests), DeleteObjects in
// batches of 1,000 (2 requests), and the listing is empty afterwards.
TEST_P(S3Operations, ListPaginationAndDeleteOverAThousandKeys) {
  S3Client client = client_for(service_);
  std::string prefix = unique_key("");
  constexpr int kKeys = 1005;
  std::vector<std::string> keys;
  for (int i = 0; i < kKeys; ++i) keys.push_back(prefix + "k" + std::to_string(10000 + i));
  // Four connections at once keep the setup short.
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w, writer = client.new_connection()]() mutable {
      for (int i = w; i < kKeys; i += 4) {
        std::string body = keys[i];
        writer.put_object({service_.bucket, keys[i]}, {body}, BodyDigests::of({body}));
      }
    });
  }
  for (auto& t : writers) t.join();
  if (gate()) GateAdmin(service_).clear_log();

  std::vector<ObjectSummary> listed = client.list_objects(service_.bucket, prefix, 400);
  ASSERT_EQ(listed.size(), keys.size());
  for (int i = 0; i < kKeys; ++i) EXPECT_EQ(listed[i].key, keys[i]);
  client.delete_objects(service_.bucket, keys);
  EXPECT_TRUE(client.list_objects(service_.bucket, prefix).empty());
  if (gate()) {
    int lists = 0, deletes = 0;
    for (const auto& e : GateAdmin(service_).log()) {
      lists += e["operation"] == "ListObjects" ? 1 : 0;  // s3gate names v1 and v2 alike
      deletes += e["operation"] == "DeleteObjects" && e["status"] == 200 ? 1 : 0;
    }
    EXPECT_EQ(lists, 3 + 1);
    EXPECT_EQ(deletes, 2);
  }
}

TEST_P(S3Operations, ListMultipartUploadsShowsWhatIsOpen) {
  S3Client client = client_for(service_);
  std::string prefix = unique_key("");
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(client.create_multipart_upload({service_.bucket, prefix + std::to_string(i)}));
  std::vector<MultipartUploadSummary> open = client.list_multipart_uploads(service_.bucket, prefix);
  ASSERT_EQ(open.size(), 3u);
  for (const auto& u : open) EXPECT_NE(std::find(ids.begin(), ids.end(), u.upload_id), ids.end());
  for (const auto& u : open) client.abort_multipart_upload({service_.bucket, u.key}, u.upload_id);
  EXPECT_TRUE(client.list_multipart_uploads(service_.bucket, prefix).empty());
  // Aborting again is not an error: the upload is gone, which is what was asked.
  client.abort_multipart_upload({service_.bucket, open[0].key}, open[0].upload_id);
}

// Signed for the wrong region, the gate answers AuthorizationHeaderMalformed
// naming its own: the client switches once and the request succeeds.
TEST(S3OperationsGate, WrongRegionIsCorrectedOnce) {
  S3Service service = pgdump2s3::testing::s3gate();
  GateAdmin(service).reset();
  S3ClientConfig config = config_for(service, service.access_key, service.secret_key);
  config.settings.region = "eu-west-1";
  S3Client client(config);
  std::string key = unique_key("region.bin");
  std::string data = "x";
  client.put_object({service.bucket, key}, {data}, BodyDigests::of({data}));
  EXPECT_EQ(client.region(), service.region);
  auto puts = entries(GateAdmin(service).log(), "PutObject", logged_path(service, key));
  ASSERT_EQ(puts.size(), 2u);
  EXPECT_EQ(puts[0]["status"], 400);
  EXPECT_EQ(puts[1]["status"], 200);
}

TEST(S3OperationsGate, PermanentErrorsAreOneActionableLine) {
  S3Service service = pgdump2s3::testing::s3gate();
  S3Client wrong_secret(config_for(service, service.access_key, "not-the-secret-key-0123456789"));
  std::string data = "x";
  try {
    wrong_secret.put_object({service.bucket, unique_key("x")}, {data}, BodyDigests::of({data}));
    FAIL() << "no error";
  } catch (const S3Error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("failed after 1 attempt: HTTP 403 SignatureDoesNotMatch"), std::string::npos) << what;
    EXPECT_NE(what.find("AWS_SECRET_ACCESS_KEY"), std::string::npos) << what;
    EXPECT_EQ(what.find("not-the-secret-key"), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
  S3Client client = client_for(service);
  try {
    client.put_object({"no-such-bucket", "k"}, {data}, BodyDigests::of({data}));
    FAIL() << "no error";
  } catch (const S3Error& e) {
    EXPECT_NE(std::string(e.what()).find("NoSuchBucket"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("does not exist"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace pgdump2s3::s3
