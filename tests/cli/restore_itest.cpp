// `pgdump2s3 restore` end to end, as a user runs it: the sample database is
// backed up by `pgdump2s3 backup` (or, for the old tool's objects, by its
// own pipeline: pg_dump --format=directory, tar, gzip, the AWS CLI), then
// restored into a fresh database whose content must equal the source's.
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "cli/restore_itest_support.h"
#include "support/running_processes.h"

namespace pgdump2s3::restore_itest {
namespace {

using testing::ScratchDatabase;
using testing::TempDir;

struct RoundTrip {
  std::string suffix;  // picks the backup's format and compression
  std::string seen;    // how the restore's summary names what it found
};

void PrintTo(const RoundTrip& r, std::ostream* os) { *os << r.suffix; }

class RestoreRoundTrip : public ::testing::TestWithParam<RoundTrip> {};

TEST_P(RestoreRoundTrip, RestoredContentEqualsTheSource) {
  const S3Service s3 = testing::s3gate();
  ScratchDatabase source("rsrc");
  source.load_sample();
  const std::string key = testing::unique_key_prefix("restore") + "/app" + GetParam().suffix;
  backup(s3, source, key);

  ScratchDatabase target("rdst");
  CommandResult r = run_tool(s3, {"restore", url(s3, key), "--dbname", target.url()});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(target.fingerprint(), source.fingerprint());
  EXPECT_NE(r.err.find("restore complete: " + url(s3, key)), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("from a " + GetParam().seen), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("; ANALYZE"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(target.server().password), std::string::npos) << "the password reached the output";
  // ANALYZE ran: the planner has statistics for the restored tables.
  EXPECT_EQ(target.query("SELECT count(*) > 0 FROM pg_stats WHERE tablename = 'orders'"), "t\n");
}

INSTANTIATE_TEST_SUITE_P(Formats, RestoreRoundTrip,
                         ::testing::Values(RoundTrip{".dump.gz", "custom-format archive (gzip)"},
                                           RoundTrip{".tar.gz", "tar-format archive (gzip)"},
                                           RoundTrip{".sql.gz", "plain SQL dump (gzip)"},
                                           RoundTrip{".dump.zst", "custom-format archive (zstd)"}),
                         [](const ::testing::TestParamInfo<RoundTrip>& info) {
                           std::string name = info.param.suffix.substr(1);
                           std::replace(name.begin(), name.end(), '.', '_');
                           return name;
                         });

// fly-pg-dump-to-s3's pipeline with its default PG_DUMP_ARGS: pg_dump
// --format=directory into a temp folder, `tar -cf - -C DIR .`, gzip, and an
// upload with the AWS CLI. restore --create unpacks it into BACKUPS_TEMP_DIR
// (and leaves nothing there) and runs pg_restore --jobs on the folder.
TEST(Restore, OldToolTarOfADirectoryDump) {
  const S3Service s3 = testing::s3gate();
  ScratchDatabase source("rold");
  source.load_sample();
  TempDir work;
  const std::string dump_dir = work.file("dump");
  CommandResult r = testing::run_command(
      {"pg_dump", "--no-owner", "--clean", "--no-privileges", "--jobs=4", "--format=directory", "--compress=0",
       "--file=" + dump_dir, source.server().superuser_conninfo(source.name())});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = testing::run_command({"tar", "-cf", work.file("db.tar"), "-C", dump_dir, "."});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = testing::run_command({"gzip", work.file("db.tar")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string key = testing::unique_key_prefix("restore") + "/db.tar.gz";
  upload(s3, work.file("db.tar.gz"), key);

  TempDir spool;
  ScratchDatabase target("roldtgt");
  testing::superuser_sql("DROP DATABASE " + target.name());  // --create makes it again
  r = run_tool(s3, {"restore", url(s3, key), "--dbname", target.url(), "--create", "--jobs", "2"},
               {{"BACKUPS_TEMP_DIR", spool.path()}});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.err.find("created database " + target.name()), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("from a tar of a directory-format dump (gzip)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("unpacked into " + spool.path()), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("2 jobs"), std::string::npos) << r.err;
  EXPECT_TRUE(std::filesystem::is_empty(spool.path())) << "the spool folder was left behind";
  EXPECT_EQ(target.fingerprint(), source.fingerprint());
}

// --latest takes the newest backup under a prefix by the time in its key,
// whatever order they were uploaded in; manifests are not backups.
TEST(Restore, LatestTakesTheNewestBackupUnderAPrefix) {
  const S3Service s3 = testing::s3gate();
  ScratchDatabase source("rlatest");
  source.load_sample();
  const std::string prefix = testing::unique_key_prefix("restore");
  source.sql("INSERT INTO customers (name, email) VALUES ('only in the newest', 'newest@example.com')", true);
  backup(s3, source, prefix + "/20260102T000000Z.dump.gz");
  const std::string newest = source.fingerprint();
  source.sql("DELETE FROM customers WHERE email = 'newest@example.com'", true);
  backup(s3, source, prefix + "/20260101T000000Z.dump.gz");  // older by its key, uploaded later

  ScratchDatabase target("rlatestdst");
  CommandResult r = run_tool(s3, {"restore", "--latest", url(s3, prefix + "/"), "--dbname", target.url()});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.err.find("the newest backup under " + url(s3, prefix + "/") + " is " +
                       url(s3, prefix + "/20260102T000000Z.dump.gz")),
            std::string::npos)
      << r.err;
  EXPECT_EQ(target.fingerprint(), newest);
}

// s3gate cuts the GET's response in half (truncate_response): the download
// resumes from the next byte with a Range request and the restore is whole.
// Meanwhile pg_restore runs without the password in its argv.
TEST(Restore, ResumesAfterAResponseCutInHalf) {
  const S3Service s3 = testing::s3gate();
  testing::GateAdmin gate(s3);
  ScratchDatabase source("rcut");
  source.load_sample();
  const std::string key = testing::unique_key_prefix("restore") + "/app.tar.gz";
  backup(s3, source, key);

  // The first GET is cut; the resumed one waits 3 s, while pg_restore,
  // started on the first half, waits for more.
  const std::string path = "/" + s3.bucket + "/" + key;
  gate.set_faults(nlohmann::json::array(
      {{{"method", "GET"}, {"path", path}, {"skip", 1}, {"times", 1}, {"action", {{"delay", 3}}}},
       {{"method", "GET"}, {"path", path}, {"times", 1}, {"action", "truncate_response"}}}));
  ScratchDatabase target("rcutdst");
  std::atomic<bool> done{false};
  std::vector<std::string> seen;  // command lines of pg_restore naming the target
  std::thread watcher([&] {
    while (!done) {
      for (const testing::RunningProcess& p : testing::processes_mentioning(target.name())) {
        if (p.name == "pg_restore") seen.push_back(p.command_line());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  CommandResult r = run_tool(s3, {"restore", url(s3, key), "--dbname", target.url()});
  done = true;
  watcher.join();
  const nlohmann::json faults = gate.faults();
  gate.clear_faults();

  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(faults[1].value("applied", 0), 1) << faults.dump();
  EXPECT_EQ(faults[0].value("applied", 0), 1) << faults.dump();
  EXPECT_NE(r.err.find("retrying operation=GetObject"), std::string::npos) << r.err;
  EXPECT_EQ(target.fingerprint(), source.fingerprint());
  ASSERT_FALSE(seen.empty()) << "pg_restore was never seen running";
  for (const std::string& command : seen) {
    EXPECT_EQ(command.find(target.server().password), std::string::npos) << command;
  }
}

// pg_restore carries on past failed statements and exits 1: a failed
// restore, with its first errors, unless --ignore-errors; --clean replaces.
TEST(Restore, FailedStatementsFailTheRestoreUnlessIgnored) {
  const S3Service s3 = testing::s3gate();
  ScratchDatabase source("rerr");
  source.load_sample();
  const std::string key = testing::unique_key_prefix("restore") + "/app.dump.gz";
  backup(s3, source, key);
  ScratchDatabase target("rerrdst");
  ASSERT_EQ(run_tool(s3, {"restore", url(s3, key), "--dbname", target.url(), "--quiet"}).exit_code, 0);

  CommandResult again = run_tool(s3, {"restore", url(s3, key), "--dbname", target.url(), "--quiet"});
  EXPECT_EQ(again.exit_code, 1) << describe(again);
  EXPECT_NE(again.err.find("statement(s) failed"), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("--ignore-errors"), std::string::npos) << again.err;

  CommandResult ignored =
      run_tool(s3, {"restore", url(s3, key), "--dbname", target.url(), "--quiet"}, {{"RESTORE_IGNORE_ERRORS", "1"}});
  EXPECT_EQ(ignored.exit_code, 0) << describe(ignored);
  EXPECT_NE(ignored.err.find("failed statement(s) ignored"), std::string::npos) << ignored.err;

  CommandResult clean = run_tool(s3, {"restore", url(s3, key), "--dbname", target.url(), "--clean"});
  EXPECT_EQ(clean.exit_code, 0) << describe(clean);
  EXPECT_EQ(target.fingerprint(), source.fingerprint());
}

// A damaged object: the restore fails naming the cause, and the database
// it created for the restore is dropped again, so the command can be rerun.
TEST(Restore, CreatedDatabaseIsDroppedWhenTheRestoreFails) {
  const S3Service s3 = testing::s3gate();
  ScratchDatabase source("rtrunc");
  source.load_sample();
  const std::string prefix = testing::unique_key_prefix("restore");
  backup(s3, source, prefix + "/app.dump.gz");
  TempDir work;
  download(s3, prefix + "/app.dump.gz", work.file("whole.gz"));
  const std::string whole = testing::read_file(work.file("whole.gz"));
  testing::write_file(work.file("cut.gz"), whole.substr(0, whole.size() / 2));
  upload(s3, work.file("cut.gz"), prefix + "/cut.dump.gz");

  DroppedAtEnd target("rtrunc_target_" + std::to_string(getpid()));
  CommandResult r = run_tool(s3, {"restore", url(s3, prefix + "/cut.dump.gz"), "--dbname",
                                  testing::postgres().url(target.name()), "--create", "--quiet"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_NE(r.err.find("gzip: the stream ends in the middle"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("dropped again"), std::string::npos) << r.err;
  EXPECT_FALSE(database_exists(target.name()));
}

// pg_restore --jobs needs a file it can seek in; a stream says so.
TEST(Restore, JobsFromAStreamIsExplained) {
  const S3Service s3 = testing::s3gate();
  ScratchDatabase source("rjobs");
  source.load_sample();
  const std::string key = testing::unique_key_prefix("restore") + "/app.dump.gz";
  backup(s3, source, key);
  ScratchDatabase target("rjobsdst");
  CommandResult r = run_tool(s3, {"restore", url(s3, key), "--dbname", target.url(), "--jobs", "4", "--no-analyze"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.err.find("--jobs 4 is not used: pg_restore restores in parallel only from a file"), std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("; ANALYZE"), std::string::npos) << r.err;
  EXPECT_EQ(target.fingerprint(), source.fingerprint());
}

// SIGTERM while pg_restore runs: the child is stopped, the database the
// restore created is dropped, the exit status is 1 with the reason.
TEST(Restore, StopsCleanlyOnSigterm) {
  const S3Service s3 = testing::s3gate();
  testing::GateAdmin gate(s3);
  ScratchDatabase source("rsig");
  source.load_sample();
  const std::string key = testing::unique_key_prefix("restore") + "/app.dump.gz";
  backup(s3, source, key);
  // pg_restore starts on the first half of the object, then the resumed GET
  // waits long enough for the signal to arrive meanwhile.
  const std::string path = "/" + s3.bucket + "/" + key;
  gate.set_faults(nlohmann::json::array(
      {{{"method", "GET"}, {"path", path}, {"skip", 1}, {"times", 1}, {"action", {{"delay", 20}}}},
       {{"method", "GET"}, {"path", path}, {"times", 1}, {"action", "truncate_response"}}}));

  const std::string target = "rsig_target_" + std::to_string(getpid());
  DroppedAtEnd cleanup(target);
  CommandResult r;
  std::thread restore([&] {
    r = run_tool(s3, {"restore", url(s3, key), "--dbname", testing::postgres().url(target), "--create"});
  });
  pid_t tool = 0;
  bool pg_restore_ran = false;
  for (int i = 0; i < 600 && !pg_restore_ran; ++i) {  // up to 30 s
    for (const testing::RunningProcess& p : testing::running_processes()) {
      if (p.parent == getpid() && p.name == "pgdump2s3") tool = p.pid;
      if (tool != 0 && p.parent == tool && p.name == "pg_restore") pg_restore_ran = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (tool != 0) kill(tool, SIGTERM);
  restore.join();
  gate.clear_faults();

  ASSERT_TRUE(pg_restore_ran) << describe(r);
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_NE(r.err.find("interrupted by Terminated; the database it had created was dropped again"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(database_exists(target));
  for (const testing::RunningProcess& p : testing::processes_mentioning(target)) {
    ADD_FAILURE() << "left running: " << p.command_line();
  }
}

TEST(Restore, UsageErrorsExitTwo) {
  const S3Service s3 = testing::s3gate();
  CommandResult help = run_tool(s3, {"restore", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* variable : {"RESTORE_DATABASE_URL", "RESTORE_CREATE", "RESTORE_CLEAN", "RESTORE_IGNORE_ERRORS",
                               "RESTORE_NO_ANALYZE", "RESTORE_JOBS", "BACKUPS_TEMP_DIR", "--latest"}) {
    EXPECT_NE(help.out.find(variable), std::string::npos) << variable << " missing from --help:\n" << help.out;
  }
  const std::string key = testing::unique_key_prefix("restore") + "/none.dump.gz";
  CommandResult no_target = run_tool(s3, {"restore", url(s3, key)});
  EXPECT_EQ(no_target.exit_code, 2) << describe(no_target);
  EXPECT_NE(no_target.err.find("--dbname"), std::string::npos) << no_target.err;

  ScratchDatabase target("rusage");
  CommandResult missing = run_tool(s3, {"restore", url(s3, key), "--dbname", target.url()});
  EXPECT_EQ(missing.exit_code, 2) << describe(missing);
  EXPECT_NE(missing.err.find("no such object"), std::string::npos) << missing.err;

  CommandResult bad_url = run_tool(s3, {"restore", url(s3, key)}, {{"RESTORE_DATABASE_URL", "mysql://x"}});
  EXPECT_EQ(bad_url.exit_code, 2) << describe(bad_url);
  EXPECT_NE(bad_url.err.find("RESTORE_DATABASE_URL"), std::string::npos) << bad_url.err;

  CommandResult prefix = run_tool(s3, {"restore", url(s3, "some/prefix/"), "--dbname", target.url()});
  EXPECT_EQ(prefix.exit_code, 2) << describe(prefix);
  EXPECT_NE(prefix.err.find("--latest"), std::string::npos) << prefix.err;
}

}  // namespace
}  // namespace pgdump2s3::restore_itest
