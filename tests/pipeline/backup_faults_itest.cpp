// Commit or nothing (DESIGN.md): whatever stops a backup half-way — the
// database backend terminated, pg_dump killed, S3 refusing a part for good,
// SIGTERM to pgdump2s3 — the run exits non-zero, the object a previous
// backup left at the key is untouched (same ETag), no multipart upload stays
// open in the gate, and no pg_dump is left running.
#include <gtest/gtest.h>
#include <signal.h>

#include "pipeline/backup_itest_support.h"
#include "support/scratch_database.h"

namespace pgdump2s3::backup_itest {
namespace {

using testing::ScratchDatabase;

class BackupFaults : public CleanGateTest {
 protected:
  void SetUp() override {
    CleanGateTest::SetUp();
    // 24 MiB of random bytes: a custom-format dump of ~48 MB (bytea is
    // dumped as hex) that does not compress. With MAX_MEMORY=48MiB (the
    // least allowed) the pipeline holds about half of it, so while parts
    // upload slowly pg_dump is still mid-dump, blocked on its pipe.
    db_.add_random_blobs(24);
    CommandResult first = run_backup(options());
    ASSERT_EQ(first.exit_code, 0) << describe(first);
    etag_before_ = etag_of(s3_, key_);
    ASSERT_FALSE(etag_before_.empty());
  }
  CommandOptions options() const { return backup_options(s3_, db_.url(), key_, {{"MAX_MEMORY", "48MiB"}}); }

  // Every UploadPart under this test's prefix waits `seconds` at the gate.
  void slow_parts(double seconds) {
    gate_.set_faults(nlohmann::json::array({{{"method", "PUT"},
                                             {"path", "^/" + s3_.bucket + "/" + prefix_ + "/"},
                                             {"query", "partNumber="},
                                             {"action", {{"delay", seconds}}}}}));
  }
  bool upload_open() { return !open_uploads_under(gate_, prefix_ + "/").empty(); }

  void expect_nothing_changed(const CommandResult& r) {
    EXPECT_EQ(r.signal, 0) << describe(r);
    EXPECT_NE(r.exit_code, 0) << describe(r);
    EXPECT_EQ(etag_of(s3_, key_), etag_before_);
    EXPECT_EQ(open_uploads_under(gate_, prefix_ + "/"), nlohmann::json::array());
    std::vector<std::string> left;
    EXPECT_TRUE(eventually([&] { return (left = pg_dumps_left(db_.name())).empty(); }, 10))
        << ::testing::PrintToString(left);
    // The failure is one error line, which says nothing was committed.
    EXPECT_NE(r.err.find("failed"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("the previous object at the key is untouched"), std::string::npos) << r.err;
  }

  ScratchDatabase db_{"faults"};
  const std::string prefix_ = testing::unique_key_prefix("backup-faults");
  const std::string key_ = prefix_ + "/big.dump";
  std::string etag_before_;
};

TEST_F(BackupFaults, DatabaseBackendTerminatedMidDump) {
  slow_parts(2);
  BackgroundBackup backup(options());
  ASSERT_TRUE(eventually([&] { return upload_open(); }));
  // pg_dump names itself in application_name (its fallback_application_name).
  EXPECT_EQ(db_.query("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
                      "WHERE datname = current_database() AND application_name = 'pg_dump'"),
            "1\n");
  CommandResult r = backup.wait();
  expect_nothing_changed(r);
  EXPECT_NE(r.err.find("pg_dump exited with status 1"), std::string::npos) << r.err;
}

TEST_F(BackupFaults, PgDumpKilled) {
  slow_parts(2);
  BackgroundBackup backup(options());
  const pid_t pg_dump = backup.pg_dump_pid(db_.name());
  ASSERT_NE(pg_dump, 0);
  ASSERT_TRUE(eventually([&] { return upload_open(); }));
  ASSERT_EQ(kill(pg_dump, SIGKILL), 0);
  CommandResult r = backup.wait();
  expect_nothing_changed(r);
  EXPECT_NE(r.err.find("pg_dump"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("signal 9"), std::string::npos) << r.err;
}

TEST_F(BackupFaults, S3RefusesAPartForGood) {
  gate_.set_faults(nlohmann::json::array({{{"method", "PUT"},
                                           {"path", "^/" + s3_.bucket + "/" + prefix_ + "/"},
                                           {"query", "partNumber=3(&|$)"},
                                           {"action", {{"status", 403}, {"code", "AccessDenied"}}}}}));
  CommandResult r = run_backup(options());
  expect_nothing_changed(r);
  EXPECT_NE(r.err.find("AccessDenied"), std::string::npos) << r.err;
  // A 403 is not retried: part 3 was refused once.
  EXPECT_EQ(gate_.faults().at(0).value("applied", -1), 1);
}

// What S3 answers now and then (SlowDown, a 500, a dropped connection) is
// retried: the backup completes and replaces the object.
TEST_F(BackupFaults, TransientS3ErrorsAreRetried) {
  const std::string path = "^/" + s3_.bucket + "/" + prefix_ + "/";
  gate_.set_faults(nlohmann::json::array(
      {{{"method", "PUT"}, {"path", path}, {"query", "partNumber=2(&|$)"}, {"times", 1},
        {"action", {{"status", 503}, {"code", "SlowDown"}}}},
       {{"method", "PUT"}, {"path", path}, {"query", "partNumber=3(&|$)"}, {"times", 1}, {"action", "reset"}},
       {{"method", "POST"}, {"path", path}, {"query", "uploadId="}, {"times", 1},
        {"action", {{"status", 500}, {"code", "InternalError"}}}}}));
  CommandResult r = run_backup(options());
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  for (const auto& rule : gate_.faults()) EXPECT_EQ(rule.value("applied", -1), 1) << rule.dump();
  EXPECT_EQ(open_uploads_under(gate_, prefix_ + "/"), nlohmann::json::array());
  // The parts sent again landed in their places: the object is the one the
  // manifest describes, and pg_restore reads it.
  testing::TempDir dir;
  download(s3_, key_, dir.file("big.dump"));
  download(s3_, key_ + ".manifest.json", dir.file("manifest.json"));
  CommandResult sum = testing::run_command({"sha256sum", dir.file("big.dump")});
  EXPECT_EQ(nlohmann::json::parse(testing::read_file(dir.file("manifest.json"))).value("sha256", ""),
            sum.out.substr(0, 64));
  CommandResult list = testing::run_command({"pg_restore", "--list", dir.file("big.dump")});
  EXPECT_EQ(list.exit_code, 0) << list.err;
}

TEST_F(BackupFaults, SigtermMidUpload) {
  slow_parts(2);
  BackgroundBackup backup(options());
  const pid_t tool = backup.tool_pid();
  ASSERT_NE(tool, 0);
  ASSERT_TRUE(eventually([&] { return upload_open(); }));
  ASSERT_EQ(kill(tool, SIGTERM), 0);
  CommandResult r = backup.wait();
  expect_nothing_changed(r);
  EXPECT_NE(r.err.find("interrupted"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace pgdump2s3::backup_itest
