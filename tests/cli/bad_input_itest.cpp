// Bad input to `pgdump2s3 backup` (DESIGN.md "Bad input and secrets"): each
// mistake is found before anything is uploaded — the gate sees no request —
// and reported as exactly one line on stderr naming the variable and what is
// wrong, with exit 2 for what configuration can fix and 1 for a server that
// cannot be reached (README "Exit codes"). Secrets never show up.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <regex>

#include "support/gate_admin.h"
#include "support/process.h"
#include "support/scratch_database.h"
#include "support/tool_env.h"

namespace pgdump2s3::testing {
namespace {

// A TCP port on 127.0.0.1 nothing listens on: bound, never listened to,
// kept bound for the test, so nothing else can take it meanwhile.
class ClosedPort {
 public:
  ClosedPort() : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~ClosedPort() { close(fd_); }
  int port() const { return port_; }

 private:
  int fd_;
  int port_ = 0;
};

// One run of the tool: the environment and flags a case starts from (a
// valid configuration for a scratch database) for it to break.
struct ToolRun {
  const ScratchDatabase& db;
  const S3Service& s3;
  CommandOptions options;
  std::vector<std::string> args;  // after "backup"
  std::vector<std::string> secrets;  // what the case put in that must never be printed
  std::string url_with(const std::string& user_password, const std::string& host_port,
                       const std::string& database) const {
    return "postgresql://" + user_password + "@" + host_port + "/" + database;
  }
  std::string host_port() const { return db.server().host + ":" + std::to_string(db.server().port); }
};

struct BadInput {
  std::string name;
  int exit_code;
  std::vector<std::string> mentions;  // each in the one stderr line
  std::function<void(ToolRun&)> arrange;
};

std::string readable(const BadInput& c) { return c.name; }
void PrintTo(const BadInput& c, std::ostream* os) { *os << c.name; }

std::vector<BadInput> bad_inputs() {
  return {
      {"DatabaseUrlUnset", 2, {"DATABASE_URL", "not set"}, [](ToolRun& r) { r.options.env.erase("DATABASE_URL"); }},
      {"DestinationWithoutBucket", 2, {"S3_DESTINATION", "no bucket"},
       [](ToolRun& r) { r.options.env["S3_DESTINATION"] = "s3:///db.dump.gz"; }},
      {"DestinationHttpUrl", 2, {"S3_DESTINATION", "AWS_ENDPOINT_URL_S3"},
       [](ToolRun& r) { r.options.env["S3_DESTINATION"] = r.s3.endpoint + "/" + r.s3.bucket + "/db.dump.gz"; }},
      {"DestinationWithoutKey", 2, {"S3_DESTINATION", "no object key"},
       [](ToolRun& r) { r.options.env["S3_DESTINATION"] = "s3://" + r.s3.bucket; }},
      {"DestinationWithEmptyKey", 2, {"S3_DESTINATION", "no object key"},
       [](ToolRun& r) { r.options.env["S3_DESTINATION"] = "s3://" + r.s3.bucket + "/"; }},
      {"DestinationEndsWithSlash", 2, {"S3_DESTINATION", "ends with '/'"},
       [](ToolRun& r) { r.options.env["S3_DESTINATION"] = "s3://" + r.s3.bucket + "/backups/daily/"; }},
      {"UnknownPlaceholder", 2, {"S3_DESTINATION", "{host}"},
       [](ToolRun& r) { r.options.env["S3_DESTINATION"] = "s3://" + r.s3.bucket + "/{host}/{date}.dump.gz"; }},
      {"ConfigurationWithoutItsVariables", 2, {"BACKUP_CONFIGURATION_NAMES", "MISSING_DATABASE_URL"},
       [](ToolRun& r) {
         r.options.env["BACKUP_CONFIGURATION_NAMES"] = "good,missing";
         r.options.env["GOOD_DATABASE_URL"] = r.db.url();
         r.options.env["GOOD_S3_DESTINATION"] = r.options.env["S3_DESTINATION"];
       }},
      {"WrongPassword", 2, {"DATABASE_URL", "password"},
       [](ToolRun& r) {
         const std::string password = "Wr0ng-Passw0rd-" + std::to_string(getpid());
         r.secrets = {password};
         r.options.env["DATABASE_URL"] = r.url_with(r.db.server().user + ":" + password, r.host_port(), r.db.name());
       }},
      {"ClosedPort", 1, {"DATABASE_URL", "127.0.0.1"},
       [](ToolRun& r) {
         static ClosedPort closed;
         r.options.env["DATABASE_URL"] = r.url_with(r.db.server().user + ":" + r.db.server().password,
                                                    "127.0.0.1:" + std::to_string(closed.port()), r.db.name());
       }},
      // A password written into the URL without percent-encoding its '@', '#'
      // and '/': the URL cannot be parsed, and no piece of it may be printed.
      {"PasswordNotPercentEncoded", 2, {"DATABASE_URL", "percent-encode"},
       [](ToolRun& r) {
         r.secrets = {"Fir5t", "Sec0nd", "Th1rd", "F0urth"};
         r.options.env["DATABASE_URL"] =
             r.url_with(r.db.server().user + ":Fir5t@Sec0nd#Th1rd/F0urth", r.host_port(), r.db.name());
       }},
      {"PortNotANumber", 2, {"DATABASE_URL", "port"},
       [](ToolRun& r) {
         r.options.env["DATABASE_URL"] = r.url_with(r.db.server().user + ":" + r.db.server().password,
                                                    r.db.server().host + ":fivefourthreetwo", r.db.name());
       }},
      {"MissingDatabase", 2, {"DATABASE_URL", "no_such_database"},
       [](ToolRun& r) {
         r.options.env["DATABASE_URL"] = r.url_with(r.db.server().user + ":" + r.db.server().password,
                                                    r.host_port(), "no_such_database");
       }},
      {"RoleCannotReadATable", 2, {"DATABASE_URL", "payroll", "GRANT SELECT"},
       [](ToolRun& r) {
         const std::string role = r.db.name() + "_reader";
         const std::string password = "Reader-" + std::to_string(getpid()) + "-pw";
         r.secrets = {password};
         superuser_sql("CREATE ROLE " + role + " LOGIN PASSWORD '" + password + "'");
         r.db.sql("GRANT SELECT ON public.notes TO " + role);
         r.options.env["DATABASE_URL"] = r.url_with(role + ":" + password, r.host_port(), r.db.name());
       }},
      {"PgDumpArgsWithOutputFile", 2, {"PG_DUMP_ARGS", "-f"},
       [](ToolRun& r) { r.options.env["PG_DUMP_ARGS"] = "--format=custom -f /tmp/out.dump"; }},
      {"PgDumpPathMissing", 2, {"PG_DUMP_PATH", "/nonexistent/pg_dump"},
       [](ToolRun& r) { r.options.env["PG_DUMP_PATH"] = "/nonexistent/pg_dump"; }},
      {"MaxMemoryTooSmall", 2, {"MAX_MEMORY", "too small"}, [](ToolRun& r) { r.options.env["MAX_MEMORY"] = "10MiB"; }},
      {"NoAwsCredentials", 2, {"AWS_ACCESS_KEY_ID"},
       [](ToolRun& r) {
         r.options.env.erase("AWS_ACCESS_KEY_ID");
         r.options.env.erase("AWS_SECRET_ACCESS_KEY");
         r.options.unset_env.push_back("AWS_ACCESS_KEY_ID");
         r.options.unset_env.push_back("AWS_SECRET_ACCESS_KEY");
       }},
      {"UnknownFlag", 2, {"--no-such-flag"}, [](ToolRun& r) { r.args.push_back("--no-such-flag"); }},
  };
}

class BackupBadInput : public ::testing::TestWithParam<BadInput> {
 protected:
  void SetUp() override {
    gate_.reset();
    db_.sql("CREATE TABLE notes (id int, body text); CREATE TABLE payroll (id int, salary numeric);"
            "INSERT INTO notes SELECT g, 'note' FROM generate_series(1, 10) g",
            /*as_app=*/true);
  }
  void TearDown() override {
    // The reader role of RoleCannotReadATable holds a grant in db_: drop it first.
    const std::string role = db_.name() + "_reader";
    db_.sql("DO $$BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = '" + role + "') THEN EXECUTE "
            "'DROP OWNED BY " + role + "'; END IF; END$$");
    superuser_sql("DROP ROLE IF EXISTS " + role);
  }

  const S3Service s3_ = s3gate();
  GateAdmin gate_{s3_};
  ScratchDatabase db_{"bad_input"};
};

TEST_P(BackupBadInput, OneLineNamingTheProblemAndNoRequest) {
  const BadInput& c = GetParam();
  ToolRun run{db_, s3_, tool_options(s3_), {}, {}};
  run.options.env["DATABASE_URL"] = db_.url();
  run.options.env["S3_DESTINATION"] = "s3://" + s3_.bucket + "/" + unique_key_prefix("bad-input") + "/db.dump.gz";
  c.arrange(run);
  gate_.clear_log();

  std::vector<std::string> argv = {PGDUMP2S3_BINARY, "backup"};
  argv.insert(argv.end(), run.args.begin(), run.args.end());
  CommandResult r = run_command(argv, run.options);

  EXPECT_EQ(r.exit_code, c.exit_code) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  for (const std::string& m : c.mentions) EXPECT_NE(r.err.find(m), std::string::npos) << m << " in: " << r.err;
  EXPECT_EQ(r.out, "");
  run.secrets.push_back(db_.server().password);
  run.secrets.push_back(s3_.secret_key);
  for (const std::string& secret : run.secrets) {
    EXPECT_EQ(r.err.find(secret), std::string::npos) << r.err;
  }
  EXPECT_EQ(gate_.log(), nlohmann::json::array());
}

INSTANTIATE_TEST_SUITE_P(Cases, BackupBadInput, ::testing::ValuesIn(bad_inputs()),
                         [](const ::testing::TestParamInfo<BadInput>& info) { return readable(info.param); });

// RFC 3986 percent-encoding of everything but unreserved characters.
std::string percent_encoded(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

// A password with every character that means something in a URL, and
// unicode, works percent-encoded and is never printed, in either form.
TEST(BackupPasswords, AwkwardPasswordWorksAndIsNeverPrinted) {
  const S3Service s3 = s3gate();
  ScratchDatabase db("awkward_pw");
  db.sql("CREATE TABLE notes AS SELECT g FROM generate_series(1, 100) g", /*as_app=*/true);
  const std::string role = db.name() + "_u";
  const std::string password = "p@ss:w/o%rd#?&=+ sp\xC3\xA4\xE2\x9C\x93-" + std::to_string(getpid());
  superuser_sql("CREATE ROLE " + role + " LOGIN PASSWORD '" + password + "'; GRANT pg_read_all_data TO " + role);
  CommandOptions o = tool_options(s3);
  o.env["DATABASE_URL"] = "postgresql://" + role + ":" + percent_encoded(password) + "@" + db.server().host + ":" +
                          std::to_string(db.server().port) + "/" + db.name();
  const std::string key = unique_key_prefix("bad-input") + "/db.dump.gz";
  o.env["S3_DESTINATION"] = "s3://" + s3.bucket + "/" + key;
  CommandResult r = run_command({PGDUMP2S3_BINARY, "backup"}, o);
  superuser_sql("DROP ROLE IF EXISTS " + role);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const std::string& secret : {password, percent_encoded(password), std::string("p@ss:w/o%rd")}) {
    EXPECT_EQ(r.err.find(secret), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find(secret), std::string::npos) << r.out;
  }
  CommandResult head = aws_cli(s3, {"s3api", "head-object", "--bucket", s3.bucket, "--key", key});
  EXPECT_EQ(head.exit_code, 0) << head.err;
}

// --dry-run prints the resolved plan, without secrets, and contacts
// nothing: no request reaches the gate, and a database that cannot be
// reached does not matter.
TEST(BackupDryRun, PrintsThePlanWithoutSecretsAndContactsNothing) {
  const S3Service s3 = s3gate();
  GateAdmin gate(s3);
  gate.reset();
  const PostgresService pg = postgres();
  ClosedPort closed;
  CommandOptions o = tool_options(s3);
  o.env["DATABASE_URL"] =
      "postgresql://" + pg.user + ":" + pg.password + "@127.0.0.1:" + std::to_string(closed.port()) + "/appdb";
  o.env["S3_DESTINATION"] = "s3://" + s3.bucket + "/dry/{db}-{timestamp}.sql.gz";
  CommandResult r = run_command({PGDUMP2S3_BINARY, "backup", "--dry-run"}, o);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("s3://" + s3.bucket + "/dry/{db}-{timestamp}.sql.gz"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--format=plain"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("appdb"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(s3.endpoint), std::string::npos) << r.out;
  for (const std::string& secret : {pg.password, s3.secret_key}) {
    EXPECT_EQ(r.out.find(secret), std::string::npos) << r.out;
    EXPECT_EQ(r.err.find(secret), std::string::npos) << r.err;
  }
  EXPECT_EQ(gate.log(), nlohmann::json::array());
}

}  // namespace
}  // namespace pgdump2s3::testing
