// The SigV4 signer stage by stage, its signing-key cache, and the S3 path
// (sign_s3_request, presign_s3_url) against the worked examples of the S3 API
// Reference (shared/testdata/sigv4/s3-doc-examples.json). The generic AWS
// suites are in sigv4_suites_test.cpp.
#include "s3/signer.h"

#include <gtest/gtest.h>
#include <strings.h>

#include <cctype>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "support/process.h"
#include "util/digest.h"

namespace pgdump2s3::s3::sigv4 {
namespace {

using namespace std::chrono;

const system_clock::time_point k2015 = sys_days{2015y / August / 30} + 12h + 36min;

// The value of a header the signer must have set exactly once.
std::string header_value(const http::Headers& headers, std::string_view name) {
  std::vector<std::string> values;
  for (const http::Header& h : headers) {
    if (strcasecmp(h.name.c_str(), std::string(name).c_str()) == 0) values.push_back(h.value);
  }
  EXPECT_EQ(values.size(), 1u) << "header " << name;
  return values.empty() ? "<absent>" : values.front();
}

bool has_header(const http::Headers& headers, std::string_view name) {
  for (const http::Header& h : headers) {
    if (strcasecmp(h.name.c_str(), std::string(name).c_str()) == 0) return true;
  }
  return false;
}

// --- Stage 1: canonical request ---------------------------------------------

TEST(SigV4Stages, SplitUrlDropsTheSchemeDefaultPortOnly) {
  UrlParts a = split_url("https://bucket.s3.amazonaws.com:443/k?x=1#frag");
  EXPECT_EQ(a.scheme, "https");
  EXPECT_EQ(a.host, "bucket.s3.amazonaws.com");
  EXPECT_EQ(a.path, "/k");
  EXPECT_EQ(a.query, "x=1");
  EXPECT_EQ(split_url("http://127.0.0.1:80").host, "127.0.0.1");
  EXPECT_EQ(split_url("http://127.0.0.1:80").path, "/");
  EXPECT_EQ(split_url("http://127.0.0.1:4570/b/k").host, "127.0.0.1:4570");
  EXPECT_EQ(split_url("https://127.0.0.1:80/").host, "127.0.0.1:80");
  EXPECT_EQ(split_url("http://[::1]:9000?list-type=2").host, "[::1]:9000");
  EXPECT_EQ(split_url("http://[::1]:9000?list-type=2").path, "/");
  EXPECT_EQ(split_url("http://[::1]/x").host, "[::1]");
  EXPECT_THROW(split_url("bucket/key"), std::invalid_argument);
  EXPECT_THROW(split_url("https:///key"), std::invalid_argument);
}

TEST(SigV4Stages, NormalizePathRemovesDotAndEmptySegments) {
  EXPECT_EQ(normalize_path(""), "/");
  EXPECT_EQ(normalize_path("/"), "/");
  EXPECT_EQ(normalize_path("//"), "/");
  EXPECT_EQ(normalize_path("//example//"), "/example/");
  EXPECT_EQ(normalize_path("/./example"), "/example");
  EXPECT_EQ(normalize_path("/a/b/../c"), "/a/c");
  EXPECT_EQ(normalize_path("/a/b/.."), "/a/");
  EXPECT_EQ(normalize_path("/a/."), "/a/");
  EXPECT_EQ(normalize_path("/../../a"), "/a");
}

TEST(SigV4Stages, S3PathRuleEncodesOnceAndNeverNormalizes) {
  // As sent by a caller that encoded the key with http::uri_encode: unchanged.
  const std::string key = "dir//./a b+c=d&e~f!'()*@,;:$ü.gz";
  const std::string sent = "/bucket/" + http::uri_encode(key, /*keep_slash=*/true);
  EXPECT_EQ(canonical_uri(sent, kS3PathRule), sent);
  EXPECT_NE(sent.find("//./"), std::string::npos);
  // Sent with characters left raw (the S3 doc's "test$file.text"): signed
  // as S3 computes it, decoded once and each byte encoded.
  EXPECT_EQ(canonical_uri("/test$file.text", kS3PathRule), "/test%24file.text");
  EXPECT_EQ(canonical_uri("/a%20b", kS3PathRule), "/a%20b");
  EXPECT_EQ(canonical_uri("/a%2fb", kS3PathRule), "/a/b");  // S3 decodes %2F in keys
  EXPECT_EQ(canonical_uri("", kS3PathRule), "/");
}

TEST(SigV4Stages, GenericPathRuleNormalizesThenEncodesAgain) {
  EXPECT_EQ(canonical_uri("/a%20b", kGenericPathRule), "/a%2520b");
  EXPECT_EQ(canonical_uri("/x/../a b/", kGenericPathRule), "/a%20b/");
  EXPECT_EQ(canonical_uri("//a//", {.normalize_path = false, .double_encode_path = true}), "//a//");
}

TEST(SigV4Stages, CanonicalQuerySortsAndEncodesEveryName) {
  EXPECT_EQ(canonical_query(""), "");
  EXPECT_EQ(canonical_query("uploads"), "uploads=");
  EXPECT_EQ(canonical_query("prefix=a/b c&list-type=2&&"), "list-type=2&prefix=a%2Fb%20c");
  EXPECT_EQ(canonical_query("prefix=a%2Fb%20c&list-type=2"), "list-type=2&prefix=a%2Fb%20c");
  // '+' is a literal plus (never a space) and is encoded.
  EXPECT_EQ(canonical_query("k=a+b"), "k=a%2Bb");
  EXPECT_EQ(canonical_query("b=2&a=2&a=1&B=0"), "B=0&a=1&a=2&b=2");
  EXPECT_EQ(canonical_query("partNumber=3&uploadId=x%3Dy"), "partNumber=3&uploadId=x%3Dy");
}

TEST(SigV4Stages, CanonicalHeadersTrimFoldAndJoinRepeats) {
  http::Headers headers = {{"X-Amz-Meta-B", "  two   words  "},
                           {"Host", "h"},
                           {"x-amz-meta-a", "1"},
                           {"X-AMZ-META-A", "2"},
                           {"Authorization", "never signed"},
                           {"Content-Type", ""}};
  CanonicalHeaders c = canonical_headers(headers);
  EXPECT_EQ(c.block, "content-type:\nhost:h\nx-amz-meta-a:1,2\nx-amz-meta-b:two words\n");
  EXPECT_EQ(c.signed_headers, "content-type;host;x-amz-meta-a;x-amz-meta-b");
}

TEST(SigV4Stages, CanonicalRequestLayout) {
  CanonicalRequest c = canonical_request("PUT", "/b/k", "partNumber=1&uploadId=u", {{"Host", "h"}},
                                         "abc", kS3PathRule);
  EXPECT_EQ(c.text, "PUT\n/b/k\npartNumber=1&uploadId=u\nhost:h\n\nhost\nabc");
  EXPECT_EQ(c.signed_headers, "host");
}

// --- Stage 2: string to sign --------------------------------------------------

TEST(SigV4Stages, AmzDateIsUtcBasicFormatInWholeSeconds) {
  EXPECT_EQ(amz_date(k2015), "20150830T123600Z");
  EXPECT_EQ(amz_date(k2015 + 999ms), "20150830T123600Z");
  EXPECT_EQ(amz_date(sys_days{2024y / February / 29} + 23h + 59min + 59s), "20240229T235959Z");
  EXPECT_EQ(make_scope(k2015, "eu-west-3", "s3").str(), "20150830/eu-west-3/s3/aws4_request");
}

TEST(SigV4Stages, StringToSignHashesTheCanonicalRequest) {
  EXPECT_EQ(string_to_sign("20150830T123600Z", make_scope(k2015, "us-east-1", "service"), ""),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

// --- Stage 3: signing key ----------------------------------------------------

const Scope kDocScope{"20130524", "us-east-1", "s3"};
const std::string kDocSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
// s3-doc-examples.json "signing_key_hex_computed"; the doc's signatures below
// prove it (every one of them is an HMAC under it).
const std::string kDocSigningKey = "dbb893acc010964918f1fd433add87c70e8b0db6be30c1fbeafefa5ec6ba8378";

TEST(SigV4KeyCache, DerivedKeyMatchesTheS3DocExamples) {
  EXPECT_EQ(hex_lower(derive_signing_key(kDocSecret, kDocScope)), kDocSigningKey);
}

TEST(SigV4KeyCache, CachesPerSecretAndScope) {
  SigningKeyCache cache;
  EXPECT_EQ(hex_lower(cache.get(kDocSecret, kDocScope)), kDocSigningKey);
  EXPECT_EQ(hex_lower(cache.get(kDocSecret, kDocScope)), kDocSigningKey);
  EXPECT_EQ(cache.size(), 1u);
  // Rotated credentials: another secret never gets the old key.
  EXPECT_EQ(cache.get("other-secret", kDocScope), derive_signing_key("other-secret", kDocScope));
  Scope eu = kDocScope;
  eu.region = "eu-west-1";
  EXPECT_EQ(cache.get(kDocSecret, eu), derive_signing_key(kDocSecret, eu));
  EXPECT_EQ(cache.size(), 3u);
}

TEST(SigV4KeyCache, DropsKeysOfOlderDatesAndStaysBounded) {
  SigningKeyCache cache(2);
  cache.get("a", kDocScope);
  cache.get("b", kDocScope);
  cache.get("c", kDocScope);
  EXPECT_EQ(cache.size(), 2u);
  Scope next_day = kDocScope;
  next_day.date = "20130525";
  EXPECT_EQ(cache.get("a", next_day), derive_signing_key("a", next_day));
  EXPECT_EQ(cache.size(), 1u);  // yesterday's keys can not sign anything now
}

TEST(SigV4KeyCache, ConcurrentUseGivesTheDerivedKeys) {
  SigningKeyCache cache(4);
  const std::vector<std::string> secrets = {"s0", "s1", "s2", "s3", "s4", "s5"};
  std::vector<Sha256Digest> expected;
  for (const std::string& s : secrets) expected.push_back(derive_signing_key(s, kDocScope));
  std::vector<int> wrong(8, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 300; ++i) {
        std::size_t k = static_cast<std::size_t>(i + t) % secrets.size();
        if (cache.get(secrets[k], kDocScope) != expected[k]) ++wrong[t];
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (int t = 0; t < 8; ++t) EXPECT_EQ(wrong[t], 0) << "thread " << t;
  EXPECT_LE(cache.size(), 4u);
}

// --- Stages 4 and 5 -----------------------------------------------------------

TEST(SigV4Stages, AuthorizationHeaderLayout) {
  EXPECT_EQ(authorization_header("AK", kDocScope, "host;x-amz-date", "abc"),
            "AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;x-amz-date, Signature=abc");
}

// --- The S3 API ---------------------------------------------------------------

const Credentials kCreds{.access_key_id = "AKIDEXAMPLE",
                         .secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                         .session_token = {},
                         .expiration = {}};

TEST(SigV4S3, SignS3RequestAddsWhatS3RequiresAndSignsEveryHeader) {
  http::Request req;
  req.method = "PUT";
  req.url = "http://127.0.0.1:4570/backups/a%20b.gz?partNumber=2&uploadId=xyz";
  req.headers = {{"Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg=="}, {"x-amz-checksum-sha256", "47DEQpj8"}};
  sign_s3_request(req, kCreds, "us-east-1", k2015, sha256_hex(""));
  EXPECT_EQ(header_value(req.headers, "Host"), "127.0.0.1:4570");
  EXPECT_EQ(header_value(req.headers, "x-amz-date"), "20150830T123600Z");
  EXPECT_EQ(header_value(req.headers, "x-amz-content-sha256"), sha256_hex(""));
  EXPECT_FALSE(has_header(req.headers, "x-amz-security-token"));
  const std::string auth = header_value(req.headers, "Authorization");
  EXPECT_TRUE(auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/s3/aws4_request, "
                                "SignedHeaders=content-md5;host;x-amz-checksum-sha256;x-amz-content-sha256;"
                                "x-amz-date, Signature="))
      << auth;
}

TEST(SigV4S3, SigningAgainReplacesTheHeadersOfTheFirstSigning) {
  http::Request req;
  req.method = "GET";
  req.url = "https://bucket.s3.eu-west-3.amazonaws.com/key";
  sign_s3_request(req, kCreds, "eu-west-3", k2015, std::string(kUnsignedPayload));
  const std::string first = header_value(req.headers, "Authorization");
  sign_s3_request(req, kCreds, "eu-west-3", k2015 + 5min, std::string(kUnsignedPayload));
  EXPECT_EQ(req.headers.size(), 4u);  // Host, x-amz-date, x-amz-content-sha256, Authorization
  EXPECT_EQ(header_value(req.headers, "x-amz-date"), "20150830T124100Z");
  EXPECT_EQ(header_value(req.headers, "x-amz-content-sha256"), "UNSIGNED-PAYLOAD");
  EXPECT_NE(header_value(req.headers, "Authorization"), first);

  // The same request signed from scratch at the later time: the same result.
  http::Request fresh;
  fresh.method = "GET";
  fresh.url = req.url;
  sign_s3_request(fresh, kCreds, "eu-west-3", k2015 + 5min, std::string(kUnsignedPayload));
  EXPECT_EQ(header_value(fresh.headers, "Authorization"), header_value(req.headers, "Authorization"));
}

TEST(SigV4S3, SessionTokenIsSentAndSigned) {
  Credentials temporary = kCreds;
  temporary.session_token = "FQoGZXIvYXdzE+token/with==";
  http::Request req;
  req.url = "https://bucket.s3.amazonaws.com/key";
  sign_s3_request(req, temporary, "us-east-1", k2015, sha256_hex(""));
  EXPECT_EQ(header_value(req.headers, "x-amz-security-token"), temporary.session_token);
  EXPECT_NE(header_value(req.headers, "Authorization").find("x-amz-security-token"), std::string::npos);

  std::string url = presign_s3_url("GET", "https://bucket.s3.amazonaws.com/key", temporary, "us-east-1", k2015, 60);
  EXPECT_NE(url.find("&X-Amz-Security-Token=FQoGZXIvYXdzE%2Btoken%2Fwith%3D%3D&X-Amz-SignedHeaders=host&"
                     "X-Amz-Signature="),
            std::string::npos)
      << url;
}

TEST(SigV4S3, PresignKeepsThePathAsSentAndTheQuery) {
  std::string url = presign_s3_url("PUT", "http://127.0.0.1:4570/backups/a%20b%2B.gz?uploadId=u&partNumber=1",
                                   kCreds, "us-east-1", k2015, 900);
  EXPECT_TRUE(url.starts_with("http://127.0.0.1:4570/backups/a%20b%2B.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256&"))
      << url;
  EXPECT_NE(url.find("&X-Amz-Expires=900&X-Amz-SignedHeaders=host&partNumber=1&uploadId=u&X-Amz-Signature="),
            std::string::npos)
      << url;
}

TEST(SigV4S3, PresignExpiryIsLimitedToSevenDays) {
  const std::string url = "https://bucket.s3.amazonaws.com/key";
  EXPECT_THROW(presign_s3_url("GET", url, kCreds, "us-east-1", k2015, 0), std::invalid_argument);
  EXPECT_THROW(presign_s3_url("GET", url, kCreds, "us-east-1", k2015, 604801), std::invalid_argument);
  EXPECT_NO_THROW(presign_s3_url("GET", url, kCreds, "us-east-1", k2015, 604800));
}

TEST(SigV4S3, TheSecretIsInNothingItProduces) {
  http::Request req;
  req.url = "https://bucket.s3.amazonaws.com/key";
  sign_s3_request(req, kCreds, "us-east-1", k2015, sha256_hex(""));
  for (const http::Header& h : req.headers) EXPECT_EQ(h.value.find(kCreds.secret_access_key), std::string::npos);
  std::string url = presign_s3_url("GET", req.url, kCreds, "us-east-1", k2015, 60);
  EXPECT_EQ(url.find(kCreds.secret_access_key), std::string::npos);
  EXPECT_EQ(url.find(http::uri_encode(kCreds.secret_access_key, false)), std::string::npos);
}

// --- The S3 API Reference's worked examples -------------------------------------

const std::filesystem::path kS3DocExamples =
    std::filesystem::path(PGDUMP2S3_SHARED_DIR) / "testdata" / "sigv4" / "s3-doc-examples.json";

nlohmann::json s3_doc_examples() { return nlohmann::json::parse(testing::read_file(kS3DocExamples.string())); }

std::vector<std::string> s3_doc_example_names() {
  std::vector<std::string> names;
  if (!std::filesystem::exists(kS3DocExamples)) return names;  // HasAllFiveExamples fails
  const nlohmann::json doc = s3_doc_examples();
  for (const nlohmann::json& example : doc.at("examples")) names.push_back(example.at("name"));
  return names;
}

class SigV4S3DocExamples : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    nlohmann::json doc = s3_doc_examples();
    const nlohmann::json& common = doc.at("common");
    for (const nlohmann::json& example : doc.at("examples")) {
      if (example.at("name") == GetParam()) example_ = example;
    }
    ASSERT_TRUE(example_.is_object()) << GetParam();
    creds_.access_key_id = common.at("access_key_id");
    creds_.secret_access_key = common.at("secret_access_key");
    region_ = example_.at("region");
    // x_amz_date "20130524T000000Z": midnight of that day.
    std::string date = example_.at("date_stamp");
    time_ = sys_days{year{std::stoi(date.substr(0, 4))} / std::stoi(date.substr(4, 2)) / std::stoi(date.substr(6, 2))};
    ASSERT_EQ(amz_date(time_), example_.at("x_amz_date"));
    // The request as the S3 client would build it: absolute URL, the headers
    // the signer does not add itself.
    url_ = "https://" + common.at("host").get<std::string>() + example_.at("path").get<std::string>();
    std::string query;
    for (const auto& pair : example_.at("query_params")) {
      if (example_.at("kind") == "presigned-url") break;  // those are the signer's own
      query += (query.empty() ? "" : "&") + pair[0].get<std::string>();
      if (!pair[1].get<std::string>().empty()) query += "=" + pair[1].get<std::string>();
    }
    if (!query.empty()) url_ += "?" + query;
    for (const auto& h : example_.at("headers")) {
      std::string name = h.at("name");
      if (name == "Host" || name == "x-amz-date" || name == "x-amz-content-sha256") continue;
      headers_.push_back({name, h.at("value")});
    }
  }

  http::Request request() const {
    http::Request req;
    req.method = example_.at("method");
    req.url = url_;
    req.headers = headers_;
    return req;
  }
  std::string expected(const char* field) const { return example_.at(field).get<std::string>(); }
  int expires_seconds() const {
    for (const auto& pair : example_.at("query_params")) {
      if (pair[0] == "X-Amz-Expires") return std::stoi(pair[1].get<std::string>());
    }
    ADD_FAILURE() << "no X-Amz-Expires in " << GetParam();
    return 0;
  }

  nlohmann::json example_;
  Credentials creds_;
  std::string region_;
  system_clock::time_point time_;
  std::string url_;
  http::Headers headers_;
};

TEST_P(SigV4S3DocExamples, StagesThroughTheS3Rules) {
  const SigningParams params = s3_signing_params(region_, time_);
  SigningResult result;
  if (example_.at("kind") == "presigned-url") {
    result = presign(request(), creds_, params, kUnsignedPayload, expires_seconds()).stages;
  } else {
    http::Request req = request();
    result = sign_headers(req, creds_, params, expected("payload_hash"));
  }
  EXPECT_EQ(result.canonical_request, expected("expected_canonical_request"));
  EXPECT_EQ(sha256_hex(result.canonical_request), expected("expected_canonical_request_sha256"));
  EXPECT_EQ(result.string_to_sign, expected("expected_string_to_sign"));
  EXPECT_EQ(result.signature, expected("expected_signature"));
  EXPECT_EQ(result.signed_headers, expected("signed_headers"));
}

TEST_P(SigV4S3DocExamples, PublicApiGivesTheDocumentedResult) {
  if (example_.at("kind") == "presigned-url") {
    EXPECT_EQ(presign_s3_url(example_.at("method"), url_, creds_, region_, time_, expires_seconds()),
              expected("expected_presigned_url"));
    return;
  }
  http::Request req = request();
  sign_s3_request(req, creds_, region_, time_, expected("payload_hash"));
  // The doc joins the parts with ',' where SDKs (and we) write ', '; the
  // separator is outside what is signed.
  std::string documented = expected("expected_authorization_header");
  for (std::size_t at = documented.find(','); at != std::string::npos; at = documented.find(',', at + 2)) {
    documented.insert(at + 1, " ");
  }
  EXPECT_EQ(header_value(req.headers, "Authorization"), documented);
  EXPECT_EQ(header_value(req.headers, "x-amz-content-sha256"), expected("payload_hash"));
  EXPECT_EQ(header_value(req.headers, "Host"), "examplebucket.s3.amazonaws.com");
}

// Test names allow only [A-Za-z0-9_]: "GET Object (Range)" -> "GET_Object_Range".
std::string test_name(const std::string& example_name) {
  std::string out;
  for (char c : example_name) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      out += c;
    } else if (!out.empty() && out.back() != '_') {
      out += '_';
    }
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out;
}

INSTANTIATE_TEST_SUITE_P(Vectors, SigV4S3DocExamples, ::testing::ValuesIn(s3_doc_example_names()),
                         [](const auto& info) { return test_name(info.param); });

TEST(SigV4S3DocExamplesFile, HasAllFiveExamples) { EXPECT_EQ(s3_doc_example_names().size(), 5u); }

}  // namespace
}  // namespace pgdump2s3::s3::sigv4
