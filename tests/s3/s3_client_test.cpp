// The S3 client against the in-memory S3 (fake_s3.h): what each operation
// sends, and how failures are classified and retried.
#include "s3/s3_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "fake_s3.h"
#include "s3/static_credentials_provider.h"

namespace pgdump2s3::s3 {
namespace {

using testing::FakeS3;
using testing::s3_error_response;

class CountingProvider : public StaticCredentialsProvider {
 public:
  CountingProvider() : StaticCredentialsProvider({"AKIDFAKE", "fake-secret-key-0123456789", "", {}}, "test") {}
  void invalidate() override { ++invalidations; }
  std::atomic<int> invalidations{0};
};

S3ClientConfig fake_config(FakeS3& s3, std::shared_ptr<CredentialsProvider> credentials = nullptr) {
  S3ClientConfig config;
  config.settings.endpoint_url = "http://fake.test";
  config.settings.path_style = true;
  config.settings.region = "us-east-1";
  config.credentials = credentials ? credentials : std::make_shared<CountingProvider>();
  config.retry.max_attempts = 4;
  config.retry.base_delay = std::chrono::milliseconds(1);
  config.retry.max_delay = std::chrono::milliseconds(5);
  config.transport = s3.factory();
  return config;
}

FakeS3::Rule answer(std::string method, std::string query, int times, http::Response response) {
  return {std::move(method), std::move(query), 0, times, [response](const http::Request&) { return response; }};
}

const S3Location kObject{"backups", "db/a b+c.gz"};

TEST(S3Client, PutObjectSendsChecksumsMetadataAndTheBody) {
  FakeS3 s3;
  S3Client client(fake_config(s3));
  std::string a = "hello ", b = "world";
  Body body = {a, b};
  PutOptions options;
  options.metadata["Sha256"] = "abc";
  std::string etag = client.put_object(kObject, body, BodyDigests::of(body), options);
  EXPECT_EQ(etag, "\"" + hex_lower(md5("hello world")) + "\"");
  EXPECT_EQ(s3.object("/backups/db/a%20b%2Bc.gz"), "hello world");
  auto requests = s3.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].header("Content-MD5"), base64(md5("hello world")));
  EXPECT_EQ(requests[0].header("x-amz-content-sha256"), sha256_hex("hello world"));
  EXPECT_EQ(requests[0].header("x-amz-meta-sha256"), "abc");
  EXPECT_NE(requests[0].header("Authorization").find("x-amz-meta-sha256"), std::string::npos);
  EXPECT_NE(requests[0].header("Authorization").find("content-md5"), std::string::npos);
}

TEST(S3Client, RetriesThrottlingServerErrorsAndResetsThenSucceeds) {
  FakeS3 s3;
  s3.add_rule(answer("PUT", "", 1, s3_error_response(503, "SlowDown")));
  s3.add_rule({"PUT", "", 0, 1, [](const http::Request&) -> http::Response {
                 throw http::TransportError("Connection reset by peer", 56, true);
               }});
  s3.add_rule({"PUT", "", 0, 1, [](const http::Request&) { return s3_error_response(500, "InternalError"); }});
  S3Client client(fake_config(s3));
  std::string data = "x";
  client.put_object(kObject, {data}, BodyDigests::of({data}));
  EXPECT_EQ(s3.count("PUT", ""), 4);
  EXPECT_EQ(s3.object("/backups/db/a%20b%2Bc.gz"), "x");
}

TEST(S3Client, GivesUpAfterMaxAttemptsSayingHowMany) {
  FakeS3 s3;
  s3.add_rule(answer("PUT", "", 0, s3_error_response(503, "SlowDown")));
  S3Client client(fake_config(s3));
  std::string data = "x";
  try {
    client.put_object(kObject, {data}, BodyDigests::of({data}));
    FAIL() << "no error";
  } catch (const S3Error& e) {
    EXPECT_EQ(e.attempts(), 4);
    EXPECT_NE(std::string(e.what()).find("PutObject s3://backups/db/a b+c.gz failed after 4 attempts: HTTP 503 SlowDown"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(s3.count("PUT", ""), 4);
}

TEST(S3Client, PermanentFailuresFailAtOnce) {
  FakeS3 s3;
  s3.add_rule(answer("PUT", "", 0, s3_error_response(403, "AccessDenied")));
  S3Client client(fake_config(s3));
  std::string data = "x";
  EXPECT_THROW(client.put_object(kObject, {data}, BodyDigests::of({data})), S3Error);
  EXPECT_EQ(s3.count("PUT", ""), 1);
}

TEST(S3Client, ExpiredTokenRefreshesTheCredentialsAndRetriesOnce) {
  FakeS3 s3;
  auto provider = std::make_shared<CountingProvider>();
  s3.add_rule(answer("PUT", "", 1, s3_error_response(400, "ExpiredToken")));
  S3Client client(fake_config(s3, provider));
  std::string data = "x";
  client.put_object(kObject, {data}, BodyDigests::of({data}));
  EXPECT_EQ(provider->invalidations.load(), 1);

  s3.add_rule(answer("PUT", "", 0, s3_error_response(400, "ExpiredToken")));
  EXPECT_THROW(client.put_object(kObject, {data}, BodyDigests::of({data})), S3Error);
  EXPECT_EQ(provider->invalidations.load(), 2);  // once per operation, then it fails
}

TEST(S3Client, SwitchesToTheRegionS3NamesOnceForAllConnections) {
  FakeS3 s3;
  s3.add_rule(answer("PUT", "", 1,
                     s3_error_response(400, "AuthorizationHeaderMalformed", "<Region>eu-west-1</Region>")));
  S3Client client(fake_config(s3));
  std::string data = "x";
  client.put_object(kObject, {data}, BodyDigests::of({data}));
  auto requests = s3.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_NE(requests[0].header("Authorization").find("/us-east-1/s3/aws4_request"), std::string::npos);
  EXPECT_NE(requests[1].header("Authorization").find("/eu-west-1/s3/aws4_request"), std::string::npos);
  EXPECT_EQ(client.region(), "eu-west-1");
  EXPECT_EQ(client.new_connection().region(), "eu-west-1");

  // Only once: a second redirect is an error, with the hint.
  s3.add_rule(answer("PUT", "", 1, s3_error_response(301, "PermanentRedirect", "<Region>ap-south-1</Region>")));
  try {
    client.put_object(kObject, {data}, BodyDigests::of({data}));
    FAIL() << "no error";
  } catch (const S3Error& e) {
    EXPECT_NE(std::string(e.what()).find("AWS_REGION=ap-south-1"), std::string::npos) << e.what();
  }
}

TEST(S3Client, CompleteAnswered200WithAnErrorIsRetriedOrFails) {
  FakeS3 s3;
  S3Client client(fake_config(s3));
  std::string id = client.create_multipart_upload(kObject);
  std::string part(5 * 1024 * 1024, 'p');
  std::string etag = client.upload_part(kObject, id, 1, {part}, BodyDigests::of({part}));
  s3.add_rule(answer("POST", "uploadId", 1, s3_error_response(200, "InternalError")));
  client.complete_multipart_upload(kObject, id, {{1, etag, ""}});
  EXPECT_EQ(s3.count("POST", "uploadId"), 2);
  EXPECT_EQ(s3.object("/backups/db/a%20b%2Bc.gz")->size(), part.size());

  std::string id2 = client.create_multipart_upload(kObject);
  client.upload_part(kObject, id2, 1, {part}, BodyDigests::of({part}));
  s3.add_rule(answer("POST", "uploadId", 1, s3_error_response(200, "AccessDenied")));
  EXPECT_THROW(client.complete_multipart_upload(kObject, id2, {{1, etag, ""}}), S3Error);
}

TEST(S3Client, AbortCountsNoSuchUploadAsDone) {
  FakeS3 s3;
  S3Client client(fake_config(s3));
  std::string id = client.create_multipart_upload(kObject);
  s3.add_rule(answer("DELETE", "uploadId", 1, s3_error_response(503, "SlowDown")));
  client.abort_multipart_upload(kObject, id);
  EXPECT_EQ(s3.open_uploads(), 0u);
  client.abort_multipart_upload(kObject, id);  // gone already: NoSuchUpload
  EXPECT_EQ(s3.count("DELETE", "uploadId"), 3);
}

TEST(S3Client, GetResumesAfterADroppedConnectionFromTheNextByte) {
  FakeS3 s3;
  std::string data;
  for (int i = 0; i < 100000; ++i) data += static_cast<char>('a' + i % 26);
  s3.put("/backups/db/a%20b%2Bc.gz", data);
  // The first GET delivers 30,000 bytes, then the connection drops.
  s3.add_rule({"GET", "", 0, 1, [&](const http::Request& r) -> http::Response {
                 r.on_body(std::string_view(data).substr(0, 30000));
                 throw http::TransportError("transfer closed with bytes remaining", 18, true);
               }});
  S3Client client(fake_config(s3));
  std::string received;
  ObjectInfo info = client.get_object(kObject, [&](std::string_view b) {
    received.append(b);
    return true;
  });
  EXPECT_EQ(received, data);
  EXPECT_EQ(info.size, data.size());
  auto requests = s3.requests();
  ASSERT_EQ(requests.size(), 3u);  // HEAD, GET, resumed GET
  EXPECT_EQ(requests[2].header("Range"), "bytes=30000-99999");
  EXPECT_EQ(requests[2].header("If-Match"), info.etag);
}

TEST(S3Client, GetOfARangeAndOfAMissingObject) {
  FakeS3 s3;
  s3.put("/backups/db/a%20b%2Bc.gz", "0123456789");
  S3Client client(fake_config(s3));
  std::string received;
  client.get_object(kObject, [&](std::string_view b) { received.append(b); return true; }, ByteRange{2, 5});
  EXPECT_EQ(received, "2345");
  try {
    client.get_object({"backups", "missing"}, [](std::string_view) { return true; });
    FAIL() << "no error";
  } catch (const S3Error& e) {
    EXPECT_EQ(e.failure().code, "NoSuchKey");
  }
  EXPECT_FALSE(client.head_object({"backups", "missing"}));
}

TEST(S3Client, DefaultChecksumIsSha256OnlyOnAwsItself) {
  AwsSettings aws;
  EXPECT_EQ(default_checksum_for(aws), PayloadChecksum::kSha256);
  AwsSettings custom;
  custom.endpoint_url = "https://minio.example.com";
  EXPECT_EQ(default_checksum_for(custom), PayloadChecksum::kContentMd5);
}

TEST(S3Client, AnInterruptCutsABackoffShort) {
  FakeS3 s3;
  s3.add_rule(answer("PUT", "", 0, s3_error_response(503, "SlowDown")));
  S3ClientConfig config = fake_config(s3);
  config.retry.base_delay = std::chrono::milliseconds(60'000);
  config.retry.max_delay = std::chrono::milliseconds(60'000);
  config.retry.max_attempts = 100;
  S3Client client(config);
  std::atomic<bool> stop{false};
  client.set_interrupt([&] { return stop.load(); });
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    stop = true;
  });
  std::string data = "x";
  try {
    client.put_object(kObject, {data}, BodyDigests::of({data}));
    ADD_FAILURE() << "no error";
  } catch (const S3Error& e) {
    EXPECT_EQ(e.failure().code, "Interrupted");
  }
  stopper.join();
}

}  // namespace
}  // namespace pgdump2s3::s3
