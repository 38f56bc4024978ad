// Secrets stay secret (DESIGN.md "Bad input and secrets"): the database
// password reaches pg_dump through its environment, never its argv, which
// `ps` shows to every user; neither it nor the AWS secret key is logged.
#include <gtest/gtest.h>

#include "pipeline/backup_itest_support.h"
#include "support/scratch_database.h"

namespace pgdump2s3::backup_itest {
namespace {

using testing::ScratchDatabase;

class BackupSecrets : public CleanGateTest {};

TEST_F(BackupSecrets, NoPasswordInAnyProcessArgvNorInTheLog) {
  const S3Service& s3 = s3_;
  ScratchDatabase db("secrets");
  db.add_random_blobs(20);  // ~40 MB of dump: more than the pipeline holds
  const std::string prefix = testing::unique_key_prefix("backup-secrets");
  // Slow parts keep the backup (and its pg_dump) running for a few seconds.
  gate_.set_faults(nlohmann::json::array({{{"method", "PUT"},
                                          {"path", "^/" + s3.bucket + "/" + prefix + "/"},
                                          {"query", "partNumber="},
                                          {"action", {{"delay", 1.0}}}}}));
  const std::string password = db.server().password;
  BackgroundBackup backup(backup_options(s3, db.url(), prefix + "/db.dump", {{"MAX_MEMORY", "48MiB"}}));
  const pid_t tool = backup.tool_pid();
  ASSERT_NE(tool, 0);

  int samples = 0;
  int samples_with_pg_dump = 0;
  std::vector<std::string> leaks;
  while (!backup.finished()) {
    bool saw_pg_dump = false;
    for (const auto& p : testing::running_processes()) {
      const std::string line = p.command_line();
      if (line.find(password) != std::string::npos || line.find(s3.secret_key) != std::string::npos) {
        leaks.push_back(std::to_string(p.pid) + " " + p.name);
      }
      saw_pg_dump = saw_pg_dump || (p.parent == tool && p.name == "pg_dump" && line.find(db.name()) != std::string::npos);
    }
    ++samples;
    samples_with_pg_dump += saw_pg_dump ? 1 : 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CommandResult r = backup.wait();
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_GE(samples_with_pg_dump, 3) << samples << " samples";
  EXPECT_TRUE(leaks.empty()) << ::testing::PrintToString(leaks);
  for (const std::string& secret : {password, s3.secret_key}) {
    EXPECT_EQ(r.err.find(secret), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find(secret), std::string::npos) << r.out;
  }
}

}  // namespace
}  // namespace pgdump2s3::backup_itest
