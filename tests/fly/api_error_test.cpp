// One line per Machines API failure, naming what, where and what to check.
#include <gtest/gtest.h>

#include "fly/api_error.h"

namespace pgdump2s3::fly {
namespace {

const char* kWhat = "creating the worker machine";

TEST(ApiError, ClassifiesStatusesBeforeAnyRetry) {
  EXPECT_TRUE(is_retriable_status(429));
  EXPECT_TRUE(is_retriable_status(500));
  EXPECT_TRUE(is_retriable_status(503));
  for (long s : {400L, 401L, 403L, 404L, 408L, 412L, 422L}) EXPECT_FALSE(is_retriable_status(s)) << s;
  for (long s : {400L, 401L, 403L, 404L, 422L}) EXPECT_TRUE(is_configuration_status(s)) << s;
  EXPECT_FALSE(is_configuration_status(503));
}

TEST(ApiError, ReadsTheErrorResponseBody) {
  EXPECT_EQ(error_detail(R"({"error":"invalid image","status":"unknown"})"), "invalid image");
  EXPECT_EQ(error_status(R"({"error":"taken","status":"name_taken"})"), "name_taken");
  EXPECT_EQ(error_detail("upstream\nconnect error"), "upstream connect error");
  EXPECT_EQ(error_status("not json"), "");
  std::string long_text(1000, 'x');
  EXPECT_LT(error_detail(long_text).size(), 400u);
}

TEST(ApiError, MessagesNameTheCauseAndWhatToCheck) {
  std::string m401 = api_error_message(401, R"({"error":"unauthorized"})", kWhat, "db-backup");
  EXPECT_NE(m401.find("FLY_API_TOKEN"), std::string::npos) << m401;
  EXPECT_NE(m401.find("HTTP 401"), std::string::npos) << m401;
  EXPECT_NE(m401.find("db-backup"), std::string::npos) << m401;
  std::string m404 = api_error_message(404, R"({"error":"app not found"})", kWhat, "db-backup");
  EXPECT_NE(m404.find("FLY_APP"), std::string::npos) << m404;
  EXPECT_NE(m404.find("app not found"), std::string::npos) << m404;
  std::string m422 = api_error_message(422, R"({"error":"bad guest"})", kWhat, "db-backup");
  EXPECT_NE(m422.find("bad guest"), std::string::npos) << m422;
  EXPECT_NE(m422.find("FLY_MACHINE_SIZE"), std::string::npos) << m422;
  std::string m503 = api_error_message(503, "", kWhat, "db-backup");
  EXPECT_NE(m503.find("HTTP 503"), std::string::npos) << m503;
  for (const std::string& m : {m401, m404, m422, m503}) {
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    EXPECT_NE(m.find(kWhat), std::string::npos) << m;
  }
}

}  // namespace
}  // namespace pgdump2s3::fly
