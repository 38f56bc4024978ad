// The signer against the two published generic SigV4 suites, read at test
// time from shared/testdata/sigv4/ (README.md there says where they come
// from). One CTest test per vector and mode; each checks the canonical
// request, the string to sign and the signature separately, so a failure
// names the stage that went wrong.
//
// Neither suite is S3-shaped (service "service", paths normalized and
// double-encoded); the S3 rule is proven by sigv4_test.cpp (S3 doc examples)
// and sigv4_gate_itest.cpp (s3gate).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "s3/signer.h"
#include "support/process.h"
#include "util/digest.h"

namespace pgdump2s3::s3::sigv4 {
namespace {

namespace fs = std::filesystem;
using testing::read_file;

const fs::path kVectors = fs::path(PGDUMP2S3_SHARED_DIR) / "testdata" / "sigv4";

// --- A raw HTTP/1.1 request as the suites write it -------------------------

struct RawRequest {
  std::string method;
  std::string target;  // as written: may hold spaces and raw UTF-8
  http::Headers headers;
  std::string body;

  const std::string* header(std::string_view name) const {
    for (const http::Header& h : headers) {
      if (h.name.size() == name.size() &&
          std::equal(h.name.begin(), h.name.end(), name.begin(),
                     [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
        return &h.value;
      }
    }
    return nullptr;
  }
  // https://HOST/target: the URL such a request was sent to.
  std::string url() const {
    const std::string* host = header("Host");
    return "https://" + (host ? *host : std::string()) + target;
  }
};

// Request line "METHOD TARGET HTTP/1.1" (the target may contain spaces: the
// version is after the last one), "Name:value" headers, where a line that
// starts with a space or tab continues the previous value (obs-fold, RFC
// 7230 3.2.4), then an empty line and the body as is.
RawRequest parse_raw_request(std::string_view text) {
  RawRequest req;
  std::size_t pos = 0;
  auto next_line = [&]() -> std::string_view {
    std::size_t end = text.find('\n', pos);
    std::string_view line = text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    pos = end == std::string_view::npos ? text.size() : end + 1;
    if (line.ends_with('\r')) line.remove_suffix(1);
    return line;
  };
  std::string_view request_line = next_line();
  std::size_t first_space = request_line.find(' ');
  std::size_t last_space = request_line.rfind(' ');
  EXPECT_NE(first_space, last_space) << "bad request line: " << request_line;
  req.method = std::string(request_line.substr(0, first_space));
  req.target = std::string(request_line.substr(first_space + 1, last_space - first_space - 1));
  while (pos < text.size()) {
    std::string_view line = next_line();
    if (line.empty()) break;
    if (line.front() == ' ' || line.front() == '\t') {
      EXPECT_FALSE(req.headers.empty()) << "continuation without a header";
      if (!req.headers.empty()) req.headers.back().value += " " + std::string(line);
      continue;
    }
    std::size_t colon = line.find(':');
    EXPECT_NE(colon, std::string_view::npos) << "bad header line: " << line;
    req.headers.push_back({std::string(line.substr(0, colon)), std::string(line.substr(colon + 1))});
  }
  req.body = std::string(text.substr(pos));
  return req;
}

// Headers as a sorted list of lowercase name and whitespace-collapsed value,
// to compare requests whatever their header order and case.
std::vector<std::string> normalized(const http::Headers& headers) {
  std::vector<std::string> out;
  for (const http::Header& h : headers) {
    std::string name = h.name;
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string value;
    for (char c : h.value) {
      bool space = c == ' ' || c == '\t';
      if (space && (value.empty() || value.back() == ' ')) continue;
      value += space ? ' ' : c;
    }
    while (!value.empty() && value.back() == ' ') value.pop_back();
    out.push_back(name + ":" + value);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::chrono::system_clock::time_point parse_utc(const std::string& iso8601) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  EXPECT_EQ(std::sscanf(iso8601.c_str(), "%d-%d-%dT%d:%d:%dZ", &y, &mo, &d, &h, &mi, &s), 6) << iso8601;
  using namespace std::chrono;
  return sys_days{year{y} / mo / d} + hours{h} + minutes{mi} + seconds{s};
}

// Test names allow only [A-Za-z0-9_].
std::string test_name(std::string case_name) {
  for (char& c : case_name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return case_name;
}

// --- aws-c-auth: tests/aws-signing-test-suite/v4 ---------------------------

const fs::path kAwsCAuth = kVectors / "aws-c-auth-v4";

std::vector<std::string> aws_c_auth_cases() {
  std::vector<std::string> names;
  if (!fs::is_directory(kAwsCAuth)) return names;
  for (const auto& entry : fs::directory_iterator(kAwsCAuth)) {
    if (fs::exists(entry.path() / "context.json")) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

struct AwsCAuthCase {
  fs::path dir;
  RawRequest request;
  Credentials creds;
  SigningParams params;
  int expires_seconds = 0;
  std::string expected(const std::string& file) const { return read_file((dir / file).string()); }
};

// context.json flags, as aws-c-auth's own harness (tests/sigv4_signing_tests.c) applies them.
AwsCAuthCase load_aws_c_auth(const std::string& name) {
  AwsCAuthCase c;
  c.dir = kAwsCAuth / name;
  c.request = parse_raw_request(read_file((c.dir / "request.txt").string()));
  nlohmann::json context = nlohmann::json::parse(read_file((c.dir / "context.json").string()));
  const nlohmann::json& credentials = context.at("credentials");
  c.creds.access_key_id = credentials.at("access_key_id").get<std::string>();
  c.creds.secret_access_key = credentials.at("secret_access_key").get<std::string>();
  c.creds.session_token = credentials.value("token", "");
  c.params.region = context.at("region").get<std::string>();
  c.params.service = context.at("service").get<std::string>();
  c.params.time = parse_utc(context.at("timestamp").get<std::string>());
  // The harness always double-encodes (README.md); "normalize" varies.
  c.params.path_rule = {.normalize_path = context.at("normalize").get<bool>(), .double_encode_path = true};
  // omit_session_token: the token is added after signing, not signed.
  c.params.sign_session_token = !context.value("omit_session_token", false);
  // sign_body: x-amz-content-sha256 is added and signed (header signing only).
  c.params.add_content_sha256_header = context.value("sign_body", false);
  c.expires_seconds = context.at("expiration_in_seconds").get<int>();
  return c;
}

class SigV4AwsCAuth : public ::testing::TestWithParam<std::string> {};

TEST_P(SigV4AwsCAuth, HeaderSigning) {
  AwsCAuthCase c = load_aws_c_auth(GetParam());
  http::Request req;
  req.method = c.request.method;
  req.url = c.request.url();
  req.headers = c.request.headers;
  SigningResult result = sign_headers(req, c.creds, c.params, sha256_hex(c.request.body));

  EXPECT_EQ(result.canonical_request, c.expected("header-canonical-request.txt"));
  EXPECT_EQ(result.string_to_sign, c.expected("header-string-to-sign.txt"));
  EXPECT_EQ(result.signature, c.expected("header-signature.txt"));
  // The whole signed request: Authorization, and the session token present
  // whether it was signed or added after.
  RawRequest signed_request = parse_raw_request(c.expected("header-signed-request.txt"));
  EXPECT_EQ(normalized(req.headers), normalized(signed_request.headers));
}

TEST_P(SigV4AwsCAuth, QuerySigning) {
  AwsCAuthCase c = load_aws_c_auth(GetParam());
  http::Request req;
  req.method = c.request.method;
  req.url = c.request.url();
  req.headers = c.request.headers;
  SigningParams params = c.params;
  params.add_content_sha256_header = false;  // a header; query signing adds none
  Presigned presigned = presign(req, c.creds, params, sha256_hex(c.request.body), c.expires_seconds);

  EXPECT_EQ(presigned.stages.canonical_request, c.expected("query-canonical-request.txt"));
  EXPECT_EQ(presigned.stages.string_to_sign, c.expected("query-string-to-sign.txt"));
  EXPECT_EQ(presigned.stages.signature, c.expected("query-signature.txt"));
  // The URL carries the same parameters as the suite's signed request (in
  // canonical order rather than aws-c-auth's), the token added after
  // signing included.
  RawRequest signed_request = parse_raw_request(c.expected("query-signed-request.txt"));
  UrlParts expected = split_url(signed_request.url());
  UrlParts actual = split_url(presigned.url);
  EXPECT_EQ(actual.host, expected.host);
  EXPECT_EQ(actual.path, expected.path);
  EXPECT_EQ(canonical_query(actual.query), canonical_query(expected.query));
}

INSTANTIATE_TEST_SUITE_P(Vectors, SigV4AwsCAuth, ::testing::ValuesIn(aws_c_auth_cases()),
                         [](const auto& info) { return test_name(info.param); });

// --- botocore: tests/unit/auth/aws4_testsuite -------------------------------

const fs::path kBotocore = kVectors / "botocore-aws4_testsuite";

// Case paths relative to the suite ("get-vanilla", "normalize-path/get-space"):
// every folder holding NAME.req for its own NAME.
std::vector<std::string> botocore_cases() {
  std::vector<std::string> names;
  if (!fs::is_directory(kBotocore)) return names;
  for (const auto& entry : fs::recursive_directory_iterator(kBotocore)) {
    if (entry.is_directory() && fs::exists(entry.path() / (entry.path().filename().string() + ".req"))) {
      names.push_back(fs::relative(entry.path(), kBotocore).generic_string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

// All 34 cases run, also the 4 botocore's own harness skips: our parser reads
// the request line of normalize-path/get-space, and repeated query names
// (get-vanilla-query-order-key*, -value) are sorted by value as SigV4 says.
class SigV4Botocore : public ::testing::TestWithParam<std::string> {};

TEST_P(SigV4Botocore, HeaderSigning) {
  const fs::path dir = kBotocore / GetParam();
  const std::string base = (dir / dir.filename()).string();
  RawRequest raw = parse_raw_request(read_file(base + ".req"));
  Credentials creds{.access_key_id = "AKIDEXAMPLE",
                    .secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                    .session_token = {},
                    .expiration = {}};
  // The .req of this case has no token, its .creq signs this one (the
  // token botocore's test_sigv4.py passes for it; post-sts-token/* carry
  // theirs as a plain header in the .req).
  if (dir.filename() == "get-vanilla-with-session-token") {
    creds.session_token = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";
  }
  SigningParams params;
  params.region = "us-east-1";
  params.service = "service";
  params.time = parse_utc("2015-08-30T12:36:00Z");  // the X-Amz-Date every .req carries
  params.path_rule = kGenericPathRule;

  http::Request req;
  req.method = raw.method;
  req.url = raw.url();
  req.headers = raw.headers;
  SigningResult result = sign_headers(req, creds, params, sha256_hex(raw.body));

  EXPECT_EQ(result.canonical_request, read_file(base + ".creq"));
  EXPECT_EQ(result.string_to_sign, read_file(base + ".sts"));
  const std::string* authorization = nullptr;
  for (const http::Header& h : req.headers) {
    if (h.name == "Authorization") authorization = &h.value;
  }
  ASSERT_NE(authorization, nullptr);
  EXPECT_EQ(*authorization, read_file(base + ".authz"));
}

INSTANTIATE_TEST_SUITE_P(Vectors, SigV4Botocore, ::testing::ValuesIn(botocore_cases()),
                         [](const auto& info) { return test_name(info.param); });

// Every vector was found (a missing folder must fail, not run nothing).
TEST(SigV4Suites, AllVectorsPresent) {
  EXPECT_EQ(aws_c_auth_cases().size(), 38u) << kAwsCAuth;
  EXPECT_EQ(botocore_cases().size(), 34u) << kBotocore;
}

// The parser itself, on the suites' awkward inputs.
TEST(SigV4Suites, RawRequestParserFoldsContinuationLinesAndKeepsBody) {
  RawRequest r = parse_raw_request("GET /a b/ HTTP/1.1\nHost:h\nX:v1\n  v2\n\tv3\n\nbody\nmore");
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.target, "/a b/");
  ASSERT_EQ(r.headers.size(), 2u);
  EXPECT_EQ(r.headers[1].value, "v1   v2 \tv3");
  EXPECT_EQ(r.body, "body\nmore");
  EXPECT_EQ(r.url(), "https://h/a b/");
}

}  // namespace
}  // namespace pgdump2s3::s3::sigv4
