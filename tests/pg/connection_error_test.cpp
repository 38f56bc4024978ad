// libpq's failure texts (PostgreSQL 15 wording) turned into one actionable line.
#include "pg/connection_error.h"

#include <gtest/gtest.h>

#include "util/error.h"

namespace pgdump2s3::pg {
namespace {

const DatabaseUrl& url() {
  static const DatabaseUrl u = DatabaseUrl::parse("postgresql://app:Secr3tPassw0rd@db.internal:5432/shop");
  return u;
}

std::string describe(std::string_view message) { return describe_connect_failure(message, url(), 10); }

constexpr std::string_view kWhere = "DATABASE_URL (postgresql://app:***@db.internal:5432/shop): cannot connect: ";

TEST(ConnectionError, WrongPassword) {
  std::string_view m =
      "connection to server at \"db.internal\" (10.0.0.5), port 5432 failed: FATAL:  password authentication "
      "failed for user \"app\"\n";
  EXPECT_EQ(classify_connect_failure(m), ConnectFailure::kWrongPassword);
  EXPECT_EQ(describe(m), std::string(kWhere) +
                             "password authentication failed for user \"app\": check the password in DATABASE_URL "
                             "(percent-encode @ : / % # ? and spaces in it)");
}

TEST(ConnectionError, MissingDatabase) {
  std::string_view m =
      "connection to server at \"db.internal\" (10.0.0.5), port 5432 failed: FATAL:  database \"shop\" does not "
      "exist\n";
  EXPECT_EQ(describe(m), std::string(kWhere) +
                             "database \"shop\" does not exist on the server: check the database name at the end "
                             "of DATABASE_URL");
}

TEST(ConnectionError, Refused) {
  std::string_view m =
      "connection to server at \"127.0.0.1\", port 5439 failed: Connection refused\n\tIs the server running on that "
      "host and accepting TCP/IP connections?\n";
  EXPECT_EQ(describe(m), std::string(kWhere) +
                             "connection refused by 127.0.0.1:5439: is PostgreSQL running there and listening on "
                             "that port?");
}

TEST(ConnectionError, TimeoutUnknownHostNoPasswordRole) {
  EXPECT_EQ(describe("connection to server at \"10.9.9.9\", port 5432 failed: timeout expired\n"),
            std::string(kWhere) +
                "no answer from 10.9.9.9:5432 within 10 s (connect_timeout): check the host, the port and the "
                "firewall");
  EXPECT_EQ(describe("could not translate host name \"db.internal\" to address: Name or service not known\n"),
            std::string(kWhere) + "unknown host \"db.internal\": check the host name in DATABASE_URL");
  EXPECT_EQ(classify_connect_failure("connection to server at \"h\", port 1 failed: fe_sendauth: no password "
                                     "supplied\n"),
            ConnectFailure::kNoPassword);
  EXPECT_EQ(classify_connect_failure("connection to server on socket \"/tmp/.s.PGSQL.5432\" failed: FATAL:  role "
                                     "\"bob\" does not exist\n"),
            ConnectFailure::kUnknownRole);
  EXPECT_EQ(classify_connect_failure("connection to server on socket \"/tmp/.s.PGSQL.5432\" failed: No such file "
                                     "or directory\n\tIs the server running locally and accepting connections on "
                                     "that socket?\n"),
            ConnectFailure::kNoSocket);
}

TEST(ConnectionError, OtherFailuresKeepLibpqsReasonOnOneLine) {
  EXPECT_EQ(describe("connection to server at \"h\", port 5432 failed: FATAL:  sorry, too many clients already\n"),
            std::string(kWhere) + "sorry, too many clients already");
}

TEST(ConnectionError, ConfigurationFailuresAreConfigErrors) {
  EXPECT_THROW(throw_connect_failure("FATAL:  password authentication failed for user \"app\"", url(), 10),
               ConfigError);
  EXPECT_THROW(throw_connect_failure("FATAL:  database \"x\" does not exist", url(), 10), ConfigError);
  EXPECT_THROW(throw_connect_failure("failed: Connection refused", url(), 10), RuntimeError);
  EXPECT_THROW(throw_connect_failure("failed: timeout expired", url(), 10), RuntimeError);
}

TEST(ConnectionError, NeverShowsThePassword) {
  std::string text = describe("FATAL:  something mentions Secr3tPassw0rd oddly");
  EXPECT_EQ(text.find("Secr3tPassw0rd"), std::string::npos) << text;
}

}  // namespace
}  // namespace pgdump2s3::pg
