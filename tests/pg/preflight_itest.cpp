// The preflight against the real PostgreSQL 15 fixture: facts, each kind
// of connection failure as its own one-line message, privilege checks.
#include "pg/preflight.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "support/process.h"
#include "support/services.h"
#include "util/error.h"

namespace pgdump2s3::pg {
namespace {

using testing::CommandResult;
using testing::PostgresService;
using testing::run_command;

// Runs SQL as the superuser over the socket.
void superuser_sql(const PostgresService& pg, const std::string& dbname, const std::string& sql) {
  CommandResult r = run_command({"psql", pg.superuser_conninfo(dbname), "-v", "ON_ERROR_STOP=1", "-qAtc", sql});
  ASSERT_EQ(r.exit_code, 0) << sql << "\n" << r.err;
}

// A fresh database, and a login role `limited` without any grant, both
// dropped at the end.
class ScratchDatabase {
 public:
  explicit ScratchDatabase(std::string tag)
      : pg_(testing::postgres()),
        name_("pf_" + tag + "_" + std::to_string(getpid())),
        role_("lim_" + tag + "_" + std::to_string(getpid())) {
    superuser_sql(pg_, "postgres", "CREATE DATABASE " + name_);
    superuser_sql(pg_, "postgres", "CREATE ROLE " + role_ + " LOGIN PASSWORD '" + role_password() + "'");
  }
  ~ScratchDatabase() {
    run_command({"psql", pg_.superuser_conninfo("postgres"), "-qAtc", "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)"});
    run_command({"psql", pg_.superuser_conninfo("postgres"), "-qAtc", "DROP ROLE IF EXISTS " + role_});
  }
  void sql(const std::string& statement) const { superuser_sql(pg_, name_, statement); }
  std::string role_password() const { return "Lim1ted-" + role_ + "-pw"; }
  DatabaseUrl app_url() const { return DatabaseUrl::parse(pg_.url(name_)); }
  DatabaseUrl limited_url() const {
    return DatabaseUrl::parse("postgresql://" + role_ + ":" + role_password() + "@" + pg_.host + ":" +
                              std::to_string(pg_.port) + "/" + name_);
  }
  const std::string& name() const { return name_; }
  const std::string& role() const { return role_; }

 private:
  PostgresService pg_;
  std::string name_;
  std::string role_;
};

template <typename Error>
std::string failure(const DatabaseUrl& url, const PreflightOptions& options = {}) {
  try {
    preflight(url, options);
  } catch (const Error& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "other error: " << e.what();
    return {};
  }
  ADD_FAILURE() << "preflight succeeded";
  return {};
}

void expect_one_line_without(const std::string& message, const std::string& secret) {
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_EQ(message.find(secret), std::string::npos) << message;
}

TEST(Preflight, ReadsVersionDatabaseAndSize) {
  ScratchDatabase db("facts");
  db.sql("CREATE TABLE filler AS SELECT g, repeat('x', 200) AS pad FROM generate_series(1, 20000) g");
  PreflightResult r = preflight(db.app_url());
  EXPECT_GE(r.server_version_num, 150000);
  EXPECT_LT(r.server_version_num, 160000);
  EXPECT_TRUE(r.server_version.starts_with("15.")) << r.server_version;
  EXPECT_EQ(r.server_version.find(' '), std::string::npos);
  EXPECT_EQ(r.database, db.name());
  EXPECT_EQ(r.user, "app");
  EXPECT_GT(r.database_size_bytes, 20000 * 200);  // at least the table's payload
  // app is a member of pg_read_all_data: nothing to warn about.
  EXPECT_TRUE(r.warnings.empty()) << r.warnings.front();
}

TEST(Preflight, WrongPasswordClosedPortAndMissingDatabaseAreDistinctOneLineErrors) {
  PostgresService pg = testing::postgres();

  DatabaseUrl wrong = DatabaseUrl::parse("postgresql://app:Wr0ng-Passw0rd@" + pg.host + ":" +
                                         std::to_string(pg.port) + "/postgres");
  std::string password_error = failure<ConfigError>(wrong);
  EXPECT_EQ(password_error, "DATABASE_URL (postgresql://app:***@" + pg.host + ":" + std::to_string(pg.port) +
                                "/postgres): cannot connect: password authentication failed for user \"app\": check "
                                "the password in DATABASE_URL (percent-encode @ : / % # ? and spaces in it)");
  expect_one_line_without(password_error, "Wr0ng-Passw0rd");

  // A port nothing listens on: bind one, then close it.
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len);
  int closed_port = ntohs(addr.sin_port);
  close(s);
  DatabaseUrl closed = DatabaseUrl::parse("postgresql://app:" + pg.password + "@127.0.0.1:" +
                                          std::to_string(closed_port) + "/postgres");
  std::string refused_error = failure<RuntimeError>(closed);
  EXPECT_EQ(refused_error, "DATABASE_URL (postgresql://app:***@127.0.0.1:" + std::to_string(closed_port) +
                               "/postgres): cannot connect: connection refused by 127.0.0.1:" +
                               std::to_string(closed_port) +
                               ": is PostgreSQL running there and listening on that port?");
  expect_one_line_without(refused_error, pg.password);

  DatabaseUrl missing = DatabaseUrl::parse(pg.url("no_such_database_here"));
  std::string missing_error = failure<ConfigError>(missing);
  EXPECT_NE(missing_error.find("cannot connect: database \"no_such_database_here\" does not exist on the server"),
            std::string::npos)
      << missing_error;
  expect_one_line_without(missing_error, pg.password);
}

TEST(Preflight, NamesTheTablesTheRoleCannotReadWithTheGrant) {
  ScratchDatabase db("grants");
  db.sql("CREATE TABLE open_table (i int); CREATE TABLE secret_table (i int); CREATE SEQUENCE secret_seq;"
         "GRANT SELECT ON open_table TO " + db.role());
  std::string message = failure<ConfigError>(db.limited_url());
  std::string r = db.role();
  EXPECT_EQ(message, "DATABASE_URL (" + db.limited_url().redacted() + "): role " + r +
                         " cannot read what pg_dump must read: no SELECT on public.secret_table, public.secret_seq; "
                         "fix as the owner or a superuser: GRANT SELECT ON public.secret_table, public.secret_seq "
                         "TO " + r + " (or GRANT pg_read_all_data TO " + r + ")");
  expect_one_line_without(message, db.role_password());

  // The GRANT the message gives fixes it; what remains is a warning that
  // the role reads other roles' tables only through grants.
  db.sql("GRANT SELECT ON public.secret_table, public.secret_seq TO " + r);
  PreflightResult ok = preflight(db.limited_url());
  ASSERT_EQ(ok.warnings.size(), 1u);
  EXPECT_NE(ok.warnings[0].find("role " + r + " is not a superuser nor a member of pg_read_all_data and 3 table(s) "
                                "or sequence(s) belong to other roles"),
            std::string::npos)
      << ok.warnings[0];
}

TEST(Preflight, ManyUnreadableTablesGetPerSchemaGrants) {
  ScratchDatabase db("many");
  db.sql("CREATE SCHEMA sales; GRANT USAGE ON SCHEMA sales TO " + db.role() +
         "; DO $$ BEGIN FOR i IN 1..7 LOOP EXECUTE format('CREATE TABLE sales.t%s (i int)', i); END LOOP; END $$");
  std::string message = failure<ConfigError>(db.limited_url());
  EXPECT_NE(message.find("no SELECT on sales.t1, sales.t2, sales.t3, sales.t4, sales.t5 and 2 more"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("GRANT SELECT ON ALL TABLES IN SCHEMA sales TO " + db.role() +
                         "; GRANT SELECT ON ALL SEQUENCES IN SCHEMA sales TO " + db.role()),
            std::string::npos)
      << message;
}

TEST(Preflight, ChecksOnlyTheSchemasTheDumpReads) {
  ScratchDatabase db("schemas");
  db.sql("CREATE SCHEMA hidden; CREATE TABLE hidden.t (i int); CREATE SCHEMA shown; CREATE TABLE shown.t (i int);"
         "GRANT USAGE ON SCHEMA shown TO " + db.role() + "; GRANT SELECT ON shown.t TO " + db.role());
  std::string message = failure<ConfigError>(db.limited_url());
  EXPECT_NE(message.find("no USAGE on schema hidden"), std::string::npos) << message;
  EXPECT_NE(message.find("GRANT USAGE ON SCHEMA hidden TO " + db.role()), std::string::npos) << message;

  PreflightOptions only_shown = PreflightOptions::for_dump(parse_dump_arguments("-Fc -n shown"));
  EXPECT_NO_THROW(preflight(db.limited_url(), only_shown));
  PreflightOptions without_hidden = PreflightOptions::for_dump(parse_dump_arguments("-Fc -N hidden"));
  EXPECT_NO_THROW(preflight(db.limited_url(), without_hidden));

  // Selecting tables by pattern: the preflight cannot tell, so it only warns.
  PreflightResult r = preflight(db.limited_url(), PreflightOptions::for_dump(parse_dump_arguments("-t shown.t")));
  ASSERT_FALSE(r.warnings.empty());
  EXPECT_NE(r.warnings[0].find("no USAGE on schema hidden"), std::string::npos) << r.warnings[0];
}

TEST(Preflight, RowLevelSecurityThatWouldStopPgDump) {
  ScratchDatabase db("rls");
  db.sql("CREATE TABLE guarded (i int); ALTER TABLE guarded ENABLE ROW LEVEL SECURITY;"
         "GRANT SELECT ON guarded TO " + db.role());
  std::string message = failure<ConfigError>(db.limited_url());
  EXPECT_NE(message.find("row-level security applies to public.guarded"), std::string::npos) << message;
  EXPECT_NE(message.find("ALTER ROLE " + db.role() + " BYPASSRLS"), std::string::npos) << message;
  EXPECT_NO_THROW(preflight(db.limited_url(),
                            PreflightOptions::for_dump(parse_dump_arguments("--enable-row-security"))));
}

TEST(Preflight, WarnsAboutLargeObjectsTheRoleCannotRead) {
  ScratchDatabase db("lobs");
  db.sql("SELECT lo_from_bytea(0, 'not for everyone'::bytea)");
  PreflightResult r = preflight(db.limited_url());
  bool warned = false;
  for (const std::string& w : r.warnings) {
    if (w.find("1 large object(s) cannot be read by role " + db.role()) != std::string::npos) warned = true;
  }
  EXPECT_TRUE(warned) << ::testing::PrintToString(r.warnings);
  // The superuser-owned object is readable by app? No: pg_read_all_data
  // does not cover large objects, so app is warned too.
  PreflightResult app = preflight(db.app_url());
  ASSERT_EQ(app.warnings.size(), 1u);
  EXPECT_NE(app.warnings[0].find("large object"), std::string::npos);
}

}  // namespace
}  // namespace pgdump2s3::pg
