// DATABASE_URL parsing: libpq's forms, the password kept out of argv and
// logs, one-line errors that never show it.
#include "pg/database_url.h"

#include <gtest/gtest.h>

#include "util/error.h"
#include "util/log.h"

namespace pgdump2s3::pg {
namespace {

std::string config_error(std::string_view text, const std::string& variable = "DATABASE_URL") {
  try {
    DatabaseUrl::parse(text, variable);
  } catch (const ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no ConfigError for " << text;
  return {};
}

TEST(DatabaseUrl, SplitsAPlainUrl) {
  DatabaseUrl url = DatabaseUrl::parse("postgresql://backup:hunter2pw@db.internal:5433/app?sslmode=require");
  EXPECT_EQ(url.password(), "hunter2pw");
  EXPECT_EQ(url.option("user"), "backup");
  EXPECT_EQ(url.option("host"), "db.internal");
  EXPECT_EQ(url.option("port"), "5433");
  EXPECT_EQ(url.option("dbname"), "app");
  EXPECT_EQ(url.option("sslmode"), "require");
  EXPECT_EQ(url.option("password"), std::nullopt);
  EXPECT_EQ(url.redacted(), "postgresql://backup:***@db.internal:5433/app?sslmode=require");
  // In libpq's keyword order.
  EXPECT_EQ(url.child_conninfo(), "user='backup' dbname='app' host='db.internal' port='5433' sslmode='require'");
  EXPECT_EQ(url.child_environment(), (std::map<std::string, std::string>{{"PGPASSWORD", "hunter2pw"}}));
}

TEST(DatabaseUrl, AcceptsThePostgresScheme) {
  DatabaseUrl url = DatabaseUrl::parse("postgres://u:pw12345@h/d");
  EXPECT_EQ(url.password(), "pw12345");
  EXPECT_EQ(url.redacted(), "postgresql://u:***@h/d");
}

TEST(DatabaseUrl, DecodesPasswordsWithUrlSpecialCharacters) {
  // @ : / % # ? and a space, percent-encoded as RFC 3986 asks.
  DatabaseUrl url = DatabaseUrl::parse("postgresql://app:p%40ss%3Aw%2Frd%25x%23y%3Fz%20end@127.0.0.1:5432/db");
  EXPECT_EQ(url.password(), "p@ss:w/rd%x#y?z end");
  EXPECT_EQ(url.redacted(), "postgresql://app:***@127.0.0.1:5432/db");
  EXPECT_EQ(url.child_conninfo().find("ss:w"), std::string::npos);
  EXPECT_EQ(url.child_conninfo().find("p%40"), std::string::npos);
}

TEST(DatabaseUrl, DecodesUnicodePasswords) {
  // "pässwörd✓" in UTF-8.
  DatabaseUrl url = DatabaseUrl::parse("postgresql://app:p%C3%A4ssw%C3%B6rd%E2%9C%93@h/db");
  EXPECT_EQ(url.password(), "p\xC3\xA4ssw\xC3\xB6rd\xE2\x9C\x93");
  EXPECT_EQ(url.child_environment().at("PGPASSWORD"), "p\xC3\xA4ssw\xC3\xB6rd\xE2\x9C\x93");
}

TEST(DatabaseUrl, RegistersDecodedAndEncodedPasswordAsSecrets) {
  DatabaseUrl::parse("postgresql://app:Zq%40secret%2F77@h/db");
  EXPECT_EQ(log::redact("pw Zq@secret/77 raw Zq%40secret%2F77"), "pw *** raw ***");
}

TEST(DatabaseUrl, KeepsEveryParameterButThePassword) {
  DatabaseUrl url = DatabaseUrl::parse(
      "postgresql://u:pw99999@h:5432/d?sslmode=verify-full&sslrootcert=/etc/ca.pem&application_name=nightly"
      "&options=-c%20statement_timeout%3D0");
  EXPECT_EQ(url.option("sslrootcert"), "/etc/ca.pem");
  EXPECT_EQ(url.option("options"), "-c statement_timeout=0");
  std::string conninfo = url.child_conninfo();
  EXPECT_NE(conninfo.find("sslmode='verify-full'"), std::string::npos);
  EXPECT_NE(conninfo.find("options='-c statement_timeout=0'"), std::string::npos);
  EXPECT_EQ(conninfo.find("pw99999"), std::string::npos);
  EXPECT_EQ(url.redacted(),
            "postgresql://u:***@h:5432/d?options=-c%20statement_timeout%3D0&application_name=nightly"
            "&sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem");
}

TEST(DatabaseUrl, ChildConninfoQuotesValuesSoLibpqReadsThemBack) {
  DatabaseUrl url = DatabaseUrl::parse("postgresql://o%27brien:pw12345@h/it%27s%20a%5Cdb");
  EXPECT_EQ(url.option("dbname"), "it's a\\db");
  DatabaseUrl again = DatabaseUrl::parse(url.child_conninfo());
  EXPECT_EQ(again.option("dbname"), "it's a\\db");
  EXPECT_EQ(again.option("user"), "o'brien");
  EXPECT_FALSE(again.has_password());
}

TEST(DatabaseUrl, AcceptsKeyValueConninfo) {
  DatabaseUrl url = DatabaseUrl::parse("host=/var/run/postgresql port=5432 dbname=app user=u password='a b\\'cd'");
  EXPECT_EQ(url.password(), "a b'cd");
  EXPECT_EQ(url.option("host"), "/var/run/postgresql");
  EXPECT_EQ(url.redacted(), "postgresql://u:***@%2Fvar%2Frun%2Fpostgresql:5432/app");
}

TEST(DatabaseUrl, RedactsSeveralHostsAndIpv6) {
  DatabaseUrl url = DatabaseUrl::parse("postgresql://u@a:5432,[::1]:5433/d?target_session_attrs=read-write");
  EXPECT_FALSE(url.has_password());
  EXPECT_EQ(url.redacted(), "postgresql://u@a:5432,[::1]:5433/d?target_session_attrs=read-write");
}

TEST(DatabaseUrl, UrlWithoutPasswordHasNoChildEnvironment) {
  DatabaseUrl url = DatabaseUrl::parse("postgresql:///app");
  EXPECT_FALSE(url.has_password());
  EXPECT_TRUE(url.child_environment().empty());
  EXPECT_EQ(url.redacted(), "postgresql:///app");
}

TEST(DatabaseUrl, RefusesOtherSchemesNamingTheVariable) {
  std::string message = config_error("mysql://root:topsecret1@db/app", "STAGING_DATABASE_URL");
  EXPECT_EQ(message,
            "STAGING_DATABASE_URL: mysql://root:***@db/app is not a PostgreSQL URL "
            "(expected postgresql://user:password@host:5432/database)");
}

TEST(DatabaseUrl, RefusesEmptyAndShapelessValues) {
  EXPECT_EQ(config_error("  "), "DATABASE_URL is empty (expected postgresql://user:password@host:5432/database)");
  std::string message = config_error("hunter2-only");
  EXPECT_NE(message.find("neither a PostgreSQL URL nor a key=value connection string"), std::string::npos);
  EXPECT_EQ(message.find("hunter2"), std::string::npos);
}

TEST(DatabaseUrl, MalformedUrlErrorsNeverShowThePassword) {
  // libpq quotes the whole URI in this message.
  std::string message = config_error("postgresql://u:Sup3rSecretPw@[::1/db");
  EXPECT_NE(message.find("DATABASE_URL: invalid PostgreSQL URL postgresql://u:***@[::1/db: "), std::string::npos)
      << message;
  EXPECT_EQ(message.find("Sup3rSecretPw"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos);

  message = config_error("postgresql://u:ab%zzcdefgh@h/db");
  EXPECT_EQ(message.find("ab%zz"), std::string::npos) << message;
  EXPECT_EQ(message.find("cdefgh"), std::string::npos) << message;

  message = config_error("host=h password=Sup3rSecretPw bogus_option=1");
  EXPECT_NE(message.find("invalid connection string"), std::string::npos) << message;
  EXPECT_EQ(message.find("Sup3rSecretPw"), std::string::npos) << message;
}

TEST(DatabaseUrl, RefusesSslpasswordWhichWouldReachArgv) {
  std::string message = config_error("postgresql://u@h/d?sslpassword=keyphrase1");
  EXPECT_NE(message.find("sslpassword"), std::string::npos);
  EXPECT_EQ(message.find("keyphrase1"), std::string::npos) << message;
}

TEST(DatabaseUrl, RefusesAConnectionStringAsDbname) {
  std::string message = config_error("dbname='postgresql://u:inner-secret@h/d'");
  EXPECT_NE(message.find("connection string as its dbname"), std::string::npos) << message;
  EXPECT_EQ(message.find("inner-secret"), std::string::npos) << message;
}

}  // namespace
}  // namespace pgdump2s3::pg
