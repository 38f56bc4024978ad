// The multipart state machine against the in-memory S3 (fake_s3.h): which
// requests it sends in each path, backpressure, and that every failure ends
// in exactly one abort.
#include "s3/multipart_upload.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "fake_s3.h"
#include "s3/static_credentials_provider.h"

namespace pgdump2s3::s3 {
namespace {

using testing::FakeS3;
using testing::s3_error_response;

const S3Location kObject{"backups", "db.gz"};
constexpr const char* kPath = "/backups/db.gz";

S3Client fake_client(FakeS3& s3, PayloadChecksum checksum = PayloadChecksum::kContentMd5) {
  S3ClientConfig config;
  config.settings.endpoint_url = "http://fake.test";
  config.settings.path_style = true;
  config.credentials = std::make_shared<StaticCredentialsProvider>(
      Credentials{"AKIDFAKE", "fake-secret-key-0123456789", "", {}}, "test");
  config.retry.max_attempts = 3;
  config.retry.base_delay = std::chrono::milliseconds(1);
  config.retry.max_delay = std::chrono::milliseconds(2);
  config.transport = s3.factory();
  config.checksum = checksum;
  return S3Client(config);
}

// Parts whose memory is counted, to see how many the engine holds.
struct PartFactory {
  std::shared_ptr<std::atomic<int>> alive = std::make_shared<std::atomic<int>>(0);
  std::string all;  // everything handed out, in order
  PartData make(std::size_t size, char fill) {
    auto bytes = std::shared_ptr<std::string>(new std::string(size, fill), [alive = alive](std::string* s) {
      --*alive;
      delete s;
    });
    ++*alive;
    all += *bytes;
    // Two pieces, to exercise bodies sent as several slices.
    std::string_view view(*bytes);
    return {{view.substr(0, size / 2), bytes}, {view.substr(size / 2), bytes}};
  }
};

constexpr std::size_t k5MiB = 5 * 1024 * 1024;

TEST(MultipartUpload, ZeroBytesGoUpAsOneEmptyPutObject) {
  FakeS3 s3;
  S3Client client = fake_client(s3);
  MultipartUpload upload(client, kObject);
  UploadResult result = upload.finish();
  EXPECT_FALSE(result.multipart);
  EXPECT_EQ(result.size, 0u);
  EXPECT_EQ(result.sha256_hex, sha256_hex(""));
  EXPECT_EQ(s3.object(kPath), "");
  EXPECT_EQ(s3.count("POST", "uploads"), 0);
  EXPECT_EQ(upload.state(), MultipartUpload::State::kCompleted);
}

TEST(MultipartUpload, AStreamWithinItsFirstPartIsOnePutObject) {
  FakeS3 s3;
  S3Client client = fake_client(s3);
  PartFactory parts;
  MultipartUploadOptions options;
  options.object.metadata["sha256"] = "later";
  MultipartUpload upload(client, kObject, options);
  upload.add_part(parts.make(k5MiB + 1, 'a'));  // even a full part: no second one came
  UploadResult result = upload.finish();
  EXPECT_FALSE(result.multipart);
  EXPECT_EQ(s3.object(kPath), parts.all);
  EXPECT_EQ(result.sha256_hex, sha256_hex(parts.all));
  ASSERT_EQ(result.parts.size(), 1u);
  EXPECT_EQ(result.parts[0].md5_base64, base64(md5(parts.all)));
  auto requests = s3.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "PUT");
  EXPECT_EQ(requests[0].header("x-amz-meta-sha256"), "later");
  EXPECT_EQ(*parts.alive, 0);
}

TEST(MultipartUpload, ASecondPartStartsTheMultipartUpload) {
  FakeS3 s3;
  S3Client client = fake_client(s3);
  PartFactory parts;
  MultipartUpload upload(client, kObject);
  upload.add_part(parts.make(k5MiB, 'a'));
  EXPECT_EQ(s3.requests().size(), 0u);  // part 1 is held: it may be the whole object
  upload.add_part(parts.make(k5MiB + 3, 'b'));
  upload.add_part(parts.make(17, 'c'));
  UploadResult result = upload.finish();
  EXPECT_TRUE(result.multipart);
  EXPECT_EQ(s3.object(kPath), parts.all);
  EXPECT_EQ(result.size, parts.all.size());
  EXPECT_EQ(result.sha256_hex, sha256_hex(parts.all));
  ASSERT_EQ(result.parts.size(), 3u);
  EXPECT_EQ(result.parts[2].number, 3);
  EXPECT_EQ(result.parts[2].size, 17u);
  EXPECT_EQ(result.parts[1].sha256_hex, sha256_hex(std::string(k5MiB + 3, 'b')));
  EXPECT_EQ(s3.count("POST", "uploads"), 1);
  EXPECT_EQ(s3.count("PUT", "partNumber"), 3);
  EXPECT_EQ(s3.count("POST", "uploadId"), 1);
  EXPECT_EQ(s3.count("DELETE", ""), 0);
  EXPECT_EQ(*parts.alive, 0);
}

// With x-amz-checksum-sha256 the part's signing SHA-256 is its checksum:
// declared on Create, sent with each part, listed again in Complete.
TEST(MultipartUpload, Sha256ChecksumsInsteadOfContentMd5) {
  FakeS3 s3;
  S3Client client = fake_client(s3, PayloadChecksum::kSha256);
  PartFactory parts;
  MultipartUpload upload(client, kObject);
  upload.add_part(parts.make(k5MiB, 'a'));
  upload.add_part(parts.make(9, 'b'));
  UploadResult result = upload.finish();
  EXPECT_EQ(s3.object(kPath), parts.all);
  EXPECT_TRUE(result.parts[0].md5_base64.empty());
  EXPECT_EQ(result.parts[1].sha256_base64, base64(sha256(std::string(9, 'b'))));
  for (const auto& r : s3.requests()) {
    // Only Complete's small XML body keeps Content-MD5.
    bool complete = r.method == "POST" && r.query.starts_with("uploadId=");
    EXPECT_EQ(r.header("Content-MD5").empty(), !complete) << r.method << " " << r.query;
    if (r.method == "PUT") {
      EXPECT_FALSE(r.header("x-amz-checksum-sha256").empty());
    }
    if (r.query == "uploads") {
      EXPECT_EQ(r.header("x-amz-checksum-algorithm"), "SHA256");
    }
  }
}

TEST(MultipartUpload, BackpressureKeepsPartsInFlightWithinConcurrencyAndBudget) {
  FakeS3 s3;
  s3.set_part_delay(std::chrono::milliseconds(20));
  S3Client client = fake_client(s3);
  PartFactory parts;
  MultipartUploadOptions options;
  options.concurrency = 4;
  options.memory_budget = 3 * k5MiB;  // max_parts_in_flight → 3
  MultipartUpload upload(client, kObject, options);
  int most_alive = 0;
  for (int i = 0; i < 12; ++i) {
    upload.add_part(parts.make(k5MiB, static_cast<char>('a' + i)));
    most_alive = std::max(most_alive, parts.alive->load());
  }
  upload.finish();
  EXPECT_LE(most_alive, 3);
  EXPECT_LE(s3.max_concurrent_parts(), 3);
  EXPECT_EQ(s3.object(kPath), parts.all);
}

TEST(MultipartUpload, APartThatFailsForGoodAbortsExactlyOnce) {
  FakeS3 s3;
  s3.add_rule({"PUT", "partNumber=2&", 0, 0, [](const http::Request&) { return s3_error_response(403, "AccessDenied"); }});
  S3Client client = fake_client(s3);
  PartFactory parts;
  MultipartUpload upload(client, kObject);
  try {
    for (int i = 0; i < 6; ++i) upload.add_part(parts.make(k5MiB, 'x'));
    upload.finish();
    FAIL() << "no error";
  } catch (const RuntimeError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("UploadPart s3://backups/db.gz part 2 failed after 1 attempt: HTTP 403 AccessDenied"),
              std::string::npos) << what;
    EXPECT_NE(what.find("the multipart upload was aborted"), std::string::npos) << what;
  }
  EXPECT_EQ(upload.state(), MultipartUpload::State::kAborted);
  EXPECT_EQ(s3.count("PUT", "partNumber=2&"), 1);
  EXPECT_EQ(s3.count("DELETE", "uploadId"), 1);
  EXPECT_EQ(s3.count("POST", "uploadId"), 0);  // never completed
  EXPECT_EQ(s3.open_uploads(), 0u);
  EXPECT_FALSE(s3.object(kPath));
  upload.abort();  // idempotent: no second abort
  EXPECT_EQ(s3.count("DELETE", "uploadId"), 1);
  EXPECT_EQ(*parts.alive, 0);
}

TEST(MultipartUpload, CompleteThatKeepsFailingAbortsAndSaysHowOftenItTried) {
  FakeS3 s3;
  s3.add_rule({"POST", "uploadId", 0, 0, [](const http::Request&) { return s3_error_response(500, "InternalError"); }});
  s3.put(kPath, "previous object");
  S3Client client = fake_client(s3);
  PartFactory parts;
  MultipartUpload upload(client, kObject);
  upload.add_part(parts.make(k5MiB, 'a'));
  upload.add_part(parts.make(10, 'b'));
  try {
    upload.finish();
    FAIL() << "no error";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("CompleteMultipartUpload s3://backups/db.gz failed after 3 attempts"),
              std::string::npos) << e.what();
  }
  EXPECT_EQ(s3.count("DELETE", "uploadId"), 1);
  EXPECT_EQ(s3.open_uploads(), 0u);
  EXPECT_EQ(s3.object(kPath), "previous object");
}

TEST(MultipartUpload, InterruptStopsPartsInFlightAndAborts) {
  FakeS3 s3;
  s3.set_part_delay(std::chrono::milliseconds(100));
  S3Client client = fake_client(s3);
  PartFactory parts;
  MultipartUploadOptions options;
  options.concurrency = 2;
  MultipartUpload upload(client, kObject, options);
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    upload.interrupt();
  });
  EXPECT_THROW(
      {
        for (int i = 0; i < 1000; ++i) upload.add_part(parts.make(k5MiB, 'x'));
      },
      RuntimeError);
  canceller.join();
  EXPECT_EQ(upload.state(), MultipartUpload::State::kAborted);
  EXPECT_EQ(s3.count("DELETE", "uploadId"), 1);
  EXPECT_EQ(s3.count("POST", "uploadId"), 0);
  EXPECT_EQ(s3.open_uploads(), 0u);
  EXPECT_EQ(*parts.alive, 0);
}

TEST(MultipartUpload, AbortBeforeASecondPartSendsNothing) {
  FakeS3 s3;
  S3Client client = fake_client(s3);
  PartFactory parts;
  MultipartUpload upload(client, kObject);
  upload.add_part(parts.make(100, 'a'));
  upload.abort();
  EXPECT_EQ(upload.state(), MultipartUpload::State::kAborted);
  EXPECT_TRUE(s3.requests().empty());
  EXPECT_EQ(*parts.alive, 0);
}

TEST(MultipartUpload, DestroyingAnUnfinishedUploadAbortsIt) {
  FakeS3 s3;
  S3Client client = fake_client(s3);
  PartFactory parts;
  {
    MultipartUpload upload(client, kObject);
    upload.add_part(parts.make(k5MiB, 'a'));
    upload.add_part(parts.make(k5MiB, 'b'));
  }
  EXPECT_EQ(s3.count("DELETE", "uploadId"), 1);
  EXPECT_EQ(s3.open_uploads(), 0u);
  EXPECT_EQ(*parts.alive, 0);
}

TEST(MultipartUpload, ANonLastPartUnder5MiBIsRefused) {
  FakeS3 s3;
  S3Client client = fake_client(s3);
  PartFactory parts;
  MultipartUpload upload(client, kObject);
  upload.add_part(parts.make(k5MiB - 1, 'a'));
  EXPECT_THROW(upload.add_part(parts.make(10, 'b')), std::invalid_argument);
}

}  // namespace
}  // namespace pgdump2s3::s3
