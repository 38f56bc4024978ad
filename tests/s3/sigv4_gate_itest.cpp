// The signer against a real SigV4 verifier: s3gate (shared/tools/README.md)
// recomputes every signature with S3's canonicalization and refuses what S3
// would refuse. Requests go out through http::Client, the transport the S3
// client uses, and the AWS CLI reads back what was written.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "http/client.h"
#include "s3/signer.h"
#include "support/process.h"
#include "support/services.h"
#include "util/digest.h"

namespace pgdump2s3::s3::sigv4 {
namespace {

using testing::S3Service;

class SigV4Gate : public ::testing::Test {
 protected:
  // Path-style: ENDPOINT/BUCKET/KEY, the key encoded once per SigV4.
  std::string object_url(const std::string& key) const {
    return gate_.endpoint + "/" + gate_.bucket + "/" + http::uri_encode(key, /*keep_slash=*/true);
  }

  http::Response put(const std::string& key, const std::string& body, const Credentials& creds) {
    http::Request req;
    req.method = "PUT";
    req.url = object_url(key);
    req.headers = {{"Content-Type", "application/octet-stream"}};
    req.body = {body};
    sign_s3_request(req, creds, gate_.region, std::chrono::system_clock::now(), sha256_hex(body));
    return client_.perform(req);
  }

  http::Response get(const std::string& url_path_and_query) {
    http::Request req;
    req.url = gate_.endpoint + url_path_and_query;
    sign_s3_request(req, creds_, gate_.region, std::chrono::system_clock::now(), sha256_hex(""));
    return client_.perform(req);
  }

  S3Service gate_ = testing::s3gate();
  Credentials creds_{.access_key_id = gate_.access_key,
                     .secret_access_key = gate_.secret_key,
                     .session_token = {},
                     .expiration = {}};
  http::Client client_;
};

std::string all_byte_values() {
  std::string body;
  for (int round = 0; round < 64; ++round) {
    for (int b = 0; b < 256; ++b) body.push_back(static_cast<char>(b));
  }
  return body;
}

TEST_F(SigV4Gate, SignedPutThenGetRoundTripsTheBody) {
  const std::string key = "sigv4/plain.bin";
  const std::string body = all_byte_values();
  http::Response put_response = put(key, body, creds_);
  ASSERT_EQ(put_response.status, 200) << put_response.body;

  http::Response get_response = get("/" + gate_.bucket + "/" + key);
  ASSERT_EQ(get_response.status, 200) << get_response.body;
  EXPECT_EQ(get_response.body.size(), body.size());
  EXPECT_TRUE(get_response.body == body);
}

TEST_F(SigV4Gate, AwkwardKeyIsEncodedOnceAndReadBackByTheAwsCli) {
  const std::string key = "sigv4/with space/ünïcødé ☃/a+b=c&d~e!'()*@,;:$%.gz";
  const std::string body = "awkward key body";
  http::Response put_response = put(key, body, creds_);
  ASSERT_EQ(put_response.status, 200) << put_response.body;

  http::Response get_response = get("/" + gate_.bucket + "/" + http::uri_encode(key, true));
  ASSERT_EQ(get_response.status, 200) << get_response.body;
  EXPECT_EQ(get_response.body, body);

  // An independent client finds the object under exactly that key.
  testing::TempDir dir;
  testing::CommandResult cli =
      testing::aws_cli(gate_, {"s3api", "get-object", "--bucket", gate_.bucket, "--key", key, dir.file("out")});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_EQ(testing::read_file(dir.file("out")), body);
}

TEST_F(SigV4Gate, QueryParametersAreCanonicalizedAsS3Does) {
  const std::string key = "sigv4/list me/a+b=c&d.txt";
  ASSERT_EQ(put(key, "x", creds_).status, 200);
  // The prefix carries '/', ' ', '+', '=' and '&', all encoded in the query.
  http::Response list = get("/" + gate_.bucket + "?list-type=2&prefix=" + http::uri_encode("sigv4/list me/a+b=c&", false));
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_NE(list.body.find("<Key>sigv4/list me/a+b=c&amp;d.txt</Key>"), std::string::npos) << list.body;
}

TEST_F(SigV4Gate, PresignedUrlWorksWithoutAnyHeader) {
  const std::string key = "sigv4/presigned/ä b.txt";
  ASSERT_EQ(put(key, "presigned body", creds_).status, 200);
  http::Request req;
  req.url = presign_s3_url("GET", object_url(key), creds_, gate_.region, std::chrono::system_clock::now(), 300);
  http::Response response = client_.perform(req);
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.body, "presigned body");
}

TEST_F(SigV4Gate, WrongSecretGetsSignatureDoesNotMatch) {
  Credentials wrong = creds_;
  wrong.secret_access_key[0] = wrong.secret_access_key[0] == 'x' ? 'y' : 'x';
  http::Response response = put("sigv4/wrong-secret.bin", "never stored", wrong);
  EXPECT_EQ(response.status, 403);
  EXPECT_NE(response.body.find("<Code>SignatureDoesNotMatch</Code>"), std::string::npos) << response.body;

  // Nothing was stored under that key.
  EXPECT_EQ(get("/" + gate_.bucket + "/sigv4/wrong-secret.bin").status, 404);
}

}  // namespace
}  // namespace pgdump2s3::s3::sigv4
