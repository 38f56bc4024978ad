// pg_dump as a child process against the real server: the password only in
// its environment, stderr relayed redacted, exit statuses, and where the
// tar format spools table data.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "pg/child_process.h"
#include "pg/database_url.h"
#include "pg/dump_arguments.h"
#include "pg/preflight.h"
#include "pg/tool_locator.h"
#include "support/process.h"
#include "support/services.h"
#include "util/log.h"

namespace pgdump2s3::pg {
namespace {

using testing::PostgresService;
using testing::run_command;

class PgDumpProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    pg_ = testing::postgres();
    db_ = "dump_" + std::to_string(getpid());
    psql("postgres", "CREATE DATABASE " + db_);
    // About 6 MB of rows: more than the 1 MiB stdout pipe, so pg_dump blocks
    // on it until the test reads.
    psql(db_, "CREATE TABLE big AS SELECT g, repeat('x', 120) AS pad FROM generate_series(1, 50000) g");
    url_ = std::make_unique<DatabaseUrl>(DatabaseUrl::parse(pg_.url(db_)));
    int server = preflight(*url_).server_version_num;
    pg_dump_ = locate_tool("pg_dump", server, ToolSearch::from_environment(Environment::from_process())).path;
  }
  void TearDown() override {
    run_command({"psql", pg_.superuser_conninfo("postgres"), "-qAtc", "DROP DATABASE IF EXISTS " + db_ + " WITH (FORCE)"});
  }
  void psql(const std::string& dbname, const std::string& sql) {
    testing::CommandResult r = run_command({"psql", pg_.superuser_conninfo(dbname), "-v", "ON_ERROR_STOP=1", "-qAtc", sql});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  ChildOptions dump(std::vector<std::string> args) {
    ChildOptions o;
    o.argv = {pg_dump_};
    o.argv.insert(o.argv.end(), args.begin(), args.end());
    o.argv.push_back("--dbname=" + url_->child_conninfo());
    o.env = url_->child_environment();
    o.unset_env = {"PGPASSFILE"};
    return o;
  }
  static std::string proc_file(pid_t pid, const char* name) {
    return testing::read_file("/proc/" + std::to_string(pid) + "/" + name);
  }
  static std::string drain(int fd) {
    std::string out;
    char buf[65536];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
    return out;
  }

  PostgresService pg_;
  std::string db_;
  std::unique_ptr<DatabaseUrl> url_;
  std::string pg_dump_;
};

TEST_F(PgDumpProcess, PasswordIsInTheEnvironmentNeverInArgv) {
  ChildProcess child(dump({"--format=plain", "--no-owner"}));
  // Nothing reads stdout yet: pg_dump is alive, blocked on the full pipe.
  // (The kernel releases posix_spawn's caller before it has set the new
  // program's argv area up: cmdline reads empty for a moment.)
  std::string cmdline;
  for (int i = 0; i < 1000 && cmdline.empty(); ++i) {
    cmdline = proc_file(child.pid(), "cmdline");
    if (cmdline.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::string environ = proc_file(child.pid(), "environ");
  EXPECT_NE(cmdline.find("pg_dump"), std::string::npos);
  EXPECT_NE(cmdline.find("--dbname=user='app' dbname='" + db_ + "'"), std::string::npos) << cmdline;
  EXPECT_EQ(cmdline.find(pg_.password), std::string::npos);
  EXPECT_NE(environ.find(std::string("PGPASSWORD=") + pg_.password + '\0'), std::string::npos);

  std::string dump_text = drain(child.stdout_fd());
  ExitStatus status = child.wait();
  EXPECT_TRUE(status.success()) << status.describe();
  // Authenticated with that password (scram over TCP), dumped the table.
  EXPECT_NE(dump_text.find("CREATE TABLE public.big"), std::string::npos);
  EXPECT_NE(dump_text.find("\n50000\t"), std::string::npos);
}

TEST_F(PgDumpProcess, StderrIsRelayedWithThePasswordRedacted) {
  // A database named like the password: pg_dump's error quotes it.
  DatabaseUrl wrong_db = DatabaseUrl::parse(pg_.url(pg_.password));
  ChildOptions o;
  o.argv = {pg_dump_, "--dbname=" + wrong_db.child_conninfo()};
  o.env = wrong_db.child_environment();
  std::vector<std::string> lines;
  o.on_stderr_line = [&lines](const std::string& line) { lines.push_back(line); };
  ChildProcess child(std::move(o));
  drain(child.stdout_fd());
  ExitStatus status = child.wait();
  EXPECT_EQ(status.exit_code, 1);  // pg_dump: exit_nicely(1) on a failed connection
  ASSERT_FALSE(lines.empty());
  std::string all;
  for (const std::string& line : lines) all += line + "\n";
  EXPECT_NE(all.find("database \"***\" does not exist"), std::string::npos) << all;
  EXPECT_EQ(all.find(pg_.password), std::string::npos) << all;
}

TEST_F(PgDumpProcess, BadArgumentExitsWithStatusOne) {
  ChildOptions o = dump({"--no-such-option"});
  o.quiet = true;
  ChildProcess child(std::move(o));
  drain(child.stdout_fd());
  EXPECT_EQ(child.wait().exit_code, 1);
}

TEST_F(PgDumpProcess, TerminatedMidDump) {
  ChildOptions o = dump({"--format=custom", "--compress=0"});
  o.quiet = true;
  ChildProcess child(std::move(o));
  char byte;
  ASSERT_EQ(read(child.stdout_fd(), &byte, 1), 1);  // the dump has begun
  ExitStatus status = child.terminate(std::chrono::seconds(30));
  // Once connected pg_dump catches SIGTERM (parallel.c: sigTermHandler
  // cancels the running query, prints "terminated by user", exits 1).
  EXPECT_EQ(status.exit_code, 1) << status.describe();
}

TEST_F(PgDumpProcess, TarFormatSpoolsTableDataToTmpWhateverTmpdirSays) {
  testing::TempDir tmpdir;
  ChildOptions o = dump({"--format=tar"});
  o.env["TMPDIR"] = tmpdir.path();
  o.quiet = true;
  ChildProcess child(std::move(o));
  // pg_dump copies the spooled table into the archive on stdout; with
  // nobody reading it blocks there, spool file still open.
  std::string spool;
  for (int i = 0; i < 3000 && spool.empty(); ++i) {
    std::error_code ec;
    for (const auto& fd : std::filesystem::directory_iterator("/proc/" + std::to_string(child.pid()) + "/fd", ec)) {
      std::string target = std::filesystem::read_symlink(fd.path(), ec).string();
      if (target.find("(deleted)") != std::string::npos || target.starts_with(tmpdir.path())) spool = target;
    }
    if (spool.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(spool.starts_with(std::string(kTarSpoolDirectory) + "/")) << spool;
  EXPECT_FALSE(spool.starts_with(tmpdir.path())) << spool;
  drain(child.stdout_fd());
  EXPECT_TRUE(child.wait().success());
}

}  // namespace
}  // namespace pgdump2s3::pg
