#include "s3/s3_error.h"

#include <gtest/gtest.h>

#include "util/log.h"

namespace pgdump2s3::s3 {
namespace {

http::Response response(long status, std::string body = "", http::Headers headers = {}) {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

std::string error_body(const std::string& code, const std::string& extra = "") {
  return "<Error><Code>" + code + "</Code><Message>msg of " + code + "</Message>" + extra + "</Error>";
}

TEST(S3ErrorClassification, RetriableFailures) {
  EXPECT_EQ(classify(503, "SlowDown"), FailureKind::kThrottled);
  EXPECT_EQ(classify(503, ""), FailureKind::kThrottled);
  EXPECT_EQ(classify(429, ""), FailureKind::kThrottled);
  EXPECT_EQ(classify(400, "RequestLimitExceeded"), FailureKind::kThrottled);
  EXPECT_EQ(classify(500, "InternalError"), FailureKind::kServerError);
  EXPECT_EQ(classify(502, "BadGateway"), FailureKind::kServerError);
  EXPECT_EQ(classify(504, "GatewayTimeout"), FailureKind::kServerError);
  EXPECT_EQ(classify(200, "InternalError"), FailureKind::kServerError);  // <Error> in a 200
  EXPECT_EQ(classify(400, "RequestTimeout"), FailureKind::kRequestTimeout);
  EXPECT_EQ(classify(400, "ExpiredToken"), FailureKind::kExpiredCredentials);
  EXPECT_EQ(classify(301, "PermanentRedirect"), FailureKind::kWrongRegion);
  EXPECT_EQ(classify(400, "AuthorizationHeaderMalformed"), FailureKind::kWrongRegion);
}

TEST(S3ErrorClassification, PermanentFailuresAreNotRetried) {
  for (auto [status, code] : std::vector<std::pair<long, std::string>>{
           {403, "AccessDenied"}, {404, "NoSuchBucket"}, {403, "InvalidAccessKeyId"},
           {403, "SignatureDoesNotMatch"}, {403, "RequestTimeTooSkewed"}, {404, "NoSuchKey"},
           {404, "NoSuchUpload"}, {400, "InvalidPart"}, {400, "EntityTooSmall"}, {400, "BadDigest"}}) {
    EXPECT_EQ(classify(status, code), FailureKind::kPermanent) << code;
    auto f = failure_of(response(status, error_body(code)));
    ASSERT_TRUE(f);
    EXPECT_FALSE(f->retriable()) << code;
  }
}

TEST(S3ErrorClassification, SuccessUnlessTheBodyIsAnError) {
  EXPECT_FALSE(failure_of(response(200)));
  EXPECT_FALSE(failure_of(response(204)));
  EXPECT_FALSE(failure_of(response(200, "<CompleteMultipartUploadResult/>")));
  auto f = failure_of(response(200, error_body("InternalError")));
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->retriable());
  EXPECT_EQ(f->status, 200);
  EXPECT_EQ(f->code, "InternalError");
}

TEST(S3ErrorClassification, BodilessAnswersGetACodeFromTheirStatus) {
  auto f = failure_of(response(404, "", {{"x-amz-request-id", "R9"}}));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->code, "NotFound");
  EXPECT_EQ(f->request_id, "R9");
  EXPECT_EQ(failure_of(response(403))->code, "Forbidden");
  EXPECT_EQ(failure_of(response(503))->kind, FailureKind::kThrottled);
}

TEST(S3ErrorClassification, TheRegionS3Names) {
  auto redirect = failure_of(response(301, error_body("PermanentRedirect", "<Endpoint>b.s3.eu-west-3.amazonaws.com</Endpoint>")));
  EXPECT_EQ(redirect->kind, FailureKind::kWrongRegion);
  EXPECT_EQ(redirect->region, "eu-west-3");
  auto header = failure_of(response(301, "", {{"x-amz-bucket-region", "ap-south-1"}}));
  EXPECT_EQ(header->region, "ap-south-1");
  auto malformed = failure_of(response(400, error_body("AuthorizationHeaderMalformed", "<Region>us-west-2</Region>")));
  EXPECT_EQ(malformed->kind, FailureKind::kWrongRegion);
  EXPECT_EQ(malformed->region, "us-west-2");
  auto head = failure_of(response(400, "", {{"x-amz-bucket-region", "eu-north-1"}}));
  EXPECT_EQ(head->kind, FailureKind::kWrongRegion);
}

TEST(S3ErrorClassification, TransportErrors) {
  S3Failure reset = failure_of(http::TransportError("Connection reset by peer", 56, true));
  EXPECT_TRUE(reset.retriable());
  EXPECT_EQ(reset.summary(), "connection error: Connection reset by peer");
  EXPECT_FALSE(failure_of(http::TransportError("SSL certificate problem", 60, false)).retriable());
}

TEST(S3ErrorMessage, OneLineWithOperationObjectPartAttemptsAndHint) {
  auto f = failure_of(response(403, error_body("AccessDenied"), {{"x-amz-request-id", "REQ1"}}));
  S3Error e({"UploadPart", "backups", "db/x.gz", 3}, *f, 1, "us-east-1");
  EXPECT_EQ(std::string(e.what()),
            "UploadPart s3://backups/db/x.gz part 3 failed after 1 attempt: HTTP 403 AccessDenied: msg of "
            "AccessDenied (request id REQ1); check that the IAM policy allows s3:PutObject on "
            "arn:aws:s3:::backups/db/x.gz");
  EXPECT_EQ(e.attempts(), 1);
  EXPECT_EQ(e.failure().code, "AccessDenied");
}

TEST(S3ErrorMessage, HintsForUsualMisconfigurations) {
  auto message = [](const std::string& code, long status = 400, const std::string& extra = "",
                    const std::string& op = "PutObject") {
    auto f = failure_of(response(status, error_body(code, extra)));
    return std::string(S3Error({op, "backups", "k"}, *f, 5, "us-east-1").what());
  };
  EXPECT_NE(message("RequestTimeTooSkewed", 403).find("clock"), std::string::npos);
  EXPECT_NE(message("NoSuchBucket", 404).find("bucket backups does not exist"), std::string::npos);
  EXPECT_NE(message("AuthorizationHeaderMalformed", 400, "<Region>eu-west-1</Region>").find("AWS_REGION=eu-west-1"),
            std::string::npos);
  EXPECT_NE(message("SignatureDoesNotMatch", 403).find("AWS_SECRET_ACCESS_KEY"), std::string::npos);
  EXPECT_NE(message("InvalidAccessKeyId", 403).find("AWS_ACCESS_KEY_ID"), std::string::npos);
  EXPECT_NE(message("SlowDown", 503).find("after 5 attempts"), std::string::npos);
  std::string list = message("AccessDenied", 403, "", "ListObjectsV2");
  EXPECT_TRUE(list.ends_with("allows s3:ListBucket on arn:aws:s3:::backups")) << list;
  EXPECT_NE(message("AccessDenied", 403, "", "AbortMultipartUpload").find("s3:AbortMultipartUpload"),
            std::string::npos);
}

TEST(S3ErrorMessage, NeverCarriesASecretNorANewline) {
  const std::string secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  log::add_secret(secret);
  auto f = failure_of(response(403, error_body("SignatureDoesNotMatch", "<StringToSign>x</StringToSign>")));
  f->message = "bad\nsignature for " + secret;
  std::string text = S3Error({"PutObject", "backups", "k"}, *f, 1, "us-east-1").what();
  EXPECT_EQ(text.find(secret), std::string::npos) << text;
  EXPECT_EQ(text.find('\n'), std::string::npos) << text;
}

}  // namespace
}  // namespace pgdump2s3::s3
