// The seed README's minimal IAM policy (fly-pg-dump-to-s3: s3:PutObject,
// s3:AbortMultipartUpload, s3:ListMultipartUploadParts on the one key) is
// all a backup needs: a multipart and a single-PUT backup succeed with it,
// the manifest it does not allow degrades to a warning, and the tool uses no
// other action.
#include <gtest/gtest.h>

#include <set>

#include "pipeline/backup_itest_support.h"
#include "support/scratch_database.h"

namespace pgdump2s3::backup_itest {
namespace {

using testing::ScratchDatabase;

const std::set<std::string> kSeedActions = {"s3:PutObject", "s3:AbortMultipartUpload",
                                            "s3:ListMultipartUploadParts"};

class BackupSeedPolicy : public CleanGateTest {
 protected:
  void SetUp() override {
    CleanGateTest::SetUp();
    limited_.access_key = testing::required_env("PGDUMP2S3_TEST_S3GATE_LIMITED_ACCESS_KEY");
    limited_.secret_key = testing::required_env("PGDUMP2S3_TEST_S3GATE_LIMITED_SECRET_KEY");
  }
  // The seed README's policy, on `key` only.
  void allow_only(const std::string& key) {
    gate_.set_policy(limited_.access_key,
                     {{"Version", "2012-10-17"},
                      {"Statement", nlohmann::json::array({{{"Sid", "WriteDatabaseBackups"},
                                                            {"Effect", "Allow"},
                                                            {"Action", kSeedActions},
                                                            {"Resource", "arn:aws:s3:::" + s3_.bucket + "/" + key}}})}});
  }

  // Backs `db` up to `key` with the limited key; returns the operations it sent.
  std::vector<std::string> backup_with_seed_policy(const ScratchDatabase& db, const std::string& key) {
    allow_only(key);
    gate_.clear_log();
    CommandResult r = run_backup(backup_options(limited_, db.url(), key));
    EXPECT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_NE(r.err.find("manifest was not written"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("backup complete"), std::string::npos) << r.err;
    std::vector<std::string> operations;
    for (const auto& entry : gate_.log()) {
      if (entry.value("access_key", "") != limited_.access_key) continue;
      const std::string action = entry.value("action", "");
      EXPECT_TRUE(kSeedActions.count(action)) << "outside the seed policy: " << entry.dump();
      operations.push_back(entry.value("operation", ""));
    }
    // Only the manifest may be refused, and nothing else is asked for.
    for (const auto& entry : gate_.log()) {
      if (entry.value("access_key", "") == limited_.access_key && entry.value("status", 0) == 403) {
        EXPECT_EQ(entry.value("path", ""), "/" + s3_.bucket + "/" + key + ".manifest.json") << entry.dump();
      }
    }
    return operations;
  }

  S3Service limited_ = testing::s3gate();
  const std::string prefix_ = testing::unique_key_prefix("backup-policy");
};

TEST_F(BackupSeedPolicy, MultipartBackupNeedsNothingElse) {
  ScratchDatabase db("policy_multi");
  db.add_random_blobs(12);  // ~24 MB of incompressible dump: several 5 MiB parts
  const std::string key = prefix_ + "/db.dump";
  std::vector<std::string> operations = backup_with_seed_policy(db, key);
  EXPECT_EQ(std::count(operations.begin(), operations.end(), "CreateMultipartUpload"), 1)
      << ::testing::PrintToString(operations);
  EXPECT_GE(std::count(operations.begin(), operations.end(), "UploadPart"), 2)
      << ::testing::PrintToString(operations);
  EXPECT_EQ(std::count(operations.begin(), operations.end(), "CompleteMultipartUpload"), 1)
      << ::testing::PrintToString(operations);
  // The object is there and whole: pg_restore reads its table of contents.
  testing::TempDir dir;
  download(s3_, key, dir.file("db.dump"));
  CommandResult list = testing::run_command({"pg_restore", "--list", dir.file("db.dump")});
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("TABLE DATA public blobs"), std::string::npos) << list.out;
  EXPECT_EQ(open_uploads_under(gate_, prefix_ + "/"), nlohmann::json::array());
}

TEST_F(BackupSeedPolicy, SinglePutBackupNeedsNothingElse) {
  ScratchDatabase db("policy_single");
  db.sql("CREATE TABLE t AS SELECT g FROM generate_series(1, 1000) g", /*as_app=*/true);
  const std::string key = prefix_ + "/db.dump.gz";
  std::vector<std::string> operations = backup_with_seed_policy(db, key);
  EXPECT_EQ(std::count(operations.begin(), operations.end(), "CreateMultipartUpload"), 0)
      << ::testing::PrintToString(operations);
  testing::TempDir dir;
  download(s3_, key, dir.file("db.dump.gz"));
  EXPECT_EQ(testing::run_command({"gzip", "-t", dir.file("db.dump.gz")}).exit_code, 0);
}

}  // namespace
}  // namespace pgdump2s3::backup_itest
