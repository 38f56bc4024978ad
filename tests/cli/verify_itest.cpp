// `pgdump2s3 verify`: a good backup passes every check (also a test restore
// into a throwaway database); a truncated object, a flipped byte and a
// missing manifest each fail it, saying which check and why.
#include <gtest/gtest.h>

#include "cli/restore_itest_support.h"

namespace pgdump2s3::restore_itest {
namespace {

using testing::ScratchDatabase;
using testing::TempDir;

int throwaway_databases() {
  const testing::PostgresService pg = testing::postgres();
  CommandResult r = testing::run_command({"psql", pg.superuser_conninfo("postgres"), "-XAtc",
                                          "SELECT count(*) FROM pg_database WHERE datname LIKE 'pgdump2s3_verify_%'"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return std::atoi(r.out.c_str());
}

// A backup of the sample database at a fresh key ending in `suffix`.
std::string sample_backup(const S3Service& s3, const std::string& suffix) {
  ScratchDatabase source("vsrc");
  source.load_sample();
  const std::string key = testing::unique_key_prefix("verify") + "/app" + suffix;
  backup(s3, source, key);
  return key;
}

TEST(Verify, GoodBackupPassesEveryCheck) {
  const S3Service s3 = testing::s3gate();
  const std::string key = sample_backup(s3, ".dump.gz");
  CommandResult r = run_tool(s3, {"verify", url(s3, key)});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  for (const std::string& line :
       {"ok      integrity record  manifest " + url(s3, key) + ".manifest.json", std::string("ok      size "),
        std::string("ok      sha256 "), std::string("ok      compression       gzip stream complete"),
        std::string("ok      dump sha256       the decompressed dump is the one pg_dump wrote"),
        std::string("ok      archive           pg_restore 15 --list read the table of contents")}) {
    EXPECT_NE(r.out.find(line), std::string::npos) << line << "\n" << r.out;
  }
  EXPECT_EQ(r.out.find("FAILED"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("verify complete: " + url(s3, key)), std::string::npos) << r.err;
}

// --restore-into: created, restored, counted, dropped. The sample has 6
// tables (a partitioned one and its two partitions among them), 222,000
// rows and one large object.
TEST(Verify, TestRestoreIntoAThrowawayDatabase) {
  const S3Service s3 = testing::s3gate();
  const int before = throwaway_databases();
  for (const char* suffix : {".tar.gz", ".sql.gz"}) {
    const std::string key = sample_backup(s3, suffix);
    CommandResult r = run_tool(s3, {"verify", url(s3, key), "--quiet"},
                               {{"VERIFY_RESTORE_INTO", testing::postgres().url("postgres")}});
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_NE(r.out.find("ok      test restore      restored 6 tables, 222000 rows and 1 large objects into the "
                         "throwaway database pgdump2s3_verify_"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("(dropped again)"), std::string::npos) << r.out;
  }
  EXPECT_EQ(throwaway_databases(), before) << "a throwaway database was left behind";
}

// The object cut to half its size under the same key, its manifest left.
TEST(Verify, CatchesATruncatedObject) {
  const S3Service s3 = testing::s3gate();
  const std::string key = sample_backup(s3, ".dump.gz");
  TempDir work;
  download(s3, key, work.file("whole"));
  const std::string whole = testing::read_file(work.file("whole"));
  testing::write_file(work.file("cut"), whole.substr(0, whole.size() / 2));
  upload(s3, work.file("cut"), key);

  CommandResult r = run_tool(s3, {"verify", url(s3, key), "--quiet"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_NE(r.out.find("ok      integrity record"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FAILED  size              " + std::to_string(whole.size() / 2) + " bytes, but the manifest"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("records " + std::to_string(whole.size()) + " (the object was truncated"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("FAILED  sha256"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FAILED  compression       " + url(s3, key) + ": gzip: the stream ends in the middle"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.err.find("verify of " + url(s3, key) + " failed: size: "), std::string::npos) << r.err;
}

// One bit flipped in the middle: same size, another SHA-256, and gzip's
// CRC-32 (or the deflate data itself) no longer matches.
TEST(Verify, CatchesAFlippedByte) {
  const S3Service s3 = testing::s3gate();
  const std::string key = sample_backup(s3, ".dump.gz");
  TempDir work;
  download(s3, key, work.file("whole"));
  std::string bytes = testing::read_file(work.file("whole"));
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x20);
  testing::write_file(work.file("flipped"), bytes);
  upload(s3, work.file("flipped"), key);

  CommandResult r = run_tool(s3, {"verify", url(s3, key), "--quiet"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_NE(r.out.find("ok      size "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FAILED  sha256"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("the object is not the backup that was uploaded"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FAILED  compression       " + url(s3, key) + ": gzip: corrupt data"), std::string::npos)
      << r.out;
}

TEST(Verify, CatchesAMissingManifest) {
  const S3Service s3 = testing::s3gate();
  const std::string key = sample_backup(s3, ".dump.zst");
  remove(s3, key + ".manifest.json");

  CommandResult r = run_tool(s3, {"verify", url(s3, key), "--quiet"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_NE(r.out.find("FAILED  integrity record  " + url(s3, key) + ".manifest.json is missing, and the object's "
                       "metadata holds no sha256"),
            std::string::npos)
      << r.out;
  // The bytes themselves are fine, and verify says so too.
  EXPECT_NE(r.out.find("ok      compression       zstd stream complete"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ok      archive"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("failed: integrity record: " + url(s3, key) + ".manifest.json is missing"), std::string::npos)
      << r.err;
}

TEST(Verify, NoSuchObjectIsAUsageError) {
  const S3Service s3 = testing::s3gate();
  CommandResult r = run_tool(s3, {"verify", url(s3, testing::unique_key_prefix("verify") + "/none.dump.gz")});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_NE(r.err.find("no such object"), std::string::npos) << r.err;
  CommandResult help = run_tool(s3, {"verify", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("VERIFY_RESTORE_INTO"), std::string::npos) << help.out;
}

}  // namespace
}  // namespace pgdump2s3::restore_itest
