// `pgdump2s3 list` and `pgdump2s3 prune` against s3rver through the gate,
// and the retention that runs after a backup when BACKUP_KEEP_* is set.
#include <gtest/gtest.h>

#include <algorithm>

#include "cli/restore_itest_support.h"

namespace pgdump2s3::restore_itest {
namespace {

using testing::ScratchDatabase;
using testing::TempDir;

// A stand-in backup (prune reads only names, times and manifests), with a
// manifest that matches it, or one that records another size.
enum class Manifest { kNone, kMatching, kWrongSize };
void fake_backup(const S3Service& s3, const std::string& key, Manifest manifest) {
  TempDir dir;
  const std::string body = "backup " + key;
  testing::write_file(dir.file("object"), body);
  upload(s3, dir.file("object"), key);
  if (manifest == Manifest::kNone) return;
  const nlohmann::json m = {{"key", key}, {"size", manifest == Manifest::kMatching ? body.size() : body.size() + 1}};
  testing::write_file(dir.file("manifest"), m.dump());
  upload(s3, dir.file("manifest"), key + ".manifest.json");
}

std::vector<std::string> with_prefix(const std::string& prefix, std::vector<std::string> names) {
  for (std::string& n : names) n = prefix + "/" + n;
  std::sort(names.begin(), names.end());
  return names;
}

// last 1 + daily 2 over a timeline: the newest backup's manifest does not
// match it, so the newest good one (an older backup of 2 November) stays
// too; an orphaned manifest goes. --dry-run first changes nothing.
TEST(Prune, GrandfatherFatherSonAgainstS3rver) {
  const S3Service s3 = testing::s3gate();
  const std::string prefix = testing::unique_key_prefix("prune");
  fake_backup(s3, prefix + "/20261101T020000Z.dump.gz", Manifest::kMatching);
  fake_backup(s3, prefix + "/20261102T020000Z.dump.gz", Manifest::kNone);
  fake_backup(s3, prefix + "/20261102T140000Z.dump.gz", Manifest::kMatching);
  fake_backup(s3, prefix + "/20261109T020000Z.dump.gz", Manifest::kNone);
  fake_backup(s3, prefix + "/20261110T020000Z.dump.gz", Manifest::kWrongSize);
  TempDir dir;
  testing::write_file(dir.file("orphan"), "{}");
  upload(s3, dir.file("orphan"), prefix + "/20261020T000000Z.dump.gz.manifest.json");
  const std::vector<std::string> all = keys_under(s3, prefix + "/");
  const std::vector<std::string> args = {"prune", url(s3, prefix + "/"), "--keep-last", "1", "--keep-daily", "2"};

  std::vector<std::string> dry = args;
  dry.push_back("--dry-run");
  CommandResult plan = run_tool(s3, dry, {{"TZ", "UTC"}});
  ASSERT_EQ(plan.exit_code, 0) << describe(plan);
  EXPECT_NE(plan.out.find("5 backups, keep 3, delete 2 (dry run: nothing deleted)"), std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find(prefix + "/20261110T020000Z.dump.gz  (last 1, daily 2026-11-10)"), std::string::npos)
      << plan.out;
  EXPECT_NE(plan.out.find(prefix + "/20261102T140000Z.dump.gz  (newest good backup)"), std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find("delete  2026-11-01T02:00:00Z  " + prefix + "/20261101T020000Z.dump.gz"), std::string::npos)
      << plan.out;
  EXPECT_EQ(keys_under(s3, prefix + "/"), all) << "a dry run deleted something";

  CommandResult r = run_tool(s3, args, {{"TZ", "UTC"}});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.err.find("prune complete: " + url(s3, prefix + "/") + ": deleted 4 objects"), std::string::npos)
      << r.err;
  EXPECT_EQ(keys_under(s3, prefix + "/"),
            with_prefix(prefix, {"20261102T140000Z.dump.gz", "20261102T140000Z.dump.gz.manifest.json",
                                 "20261109T020000Z.dump.gz", "20261110T020000Z.dump.gz",
                                 "20261110T020000Z.dump.gz.manifest.json"}));
}

TEST(Prune, EmptyPrefixAndMissingPolicy) {
  const S3Service s3 = testing::s3gate();
  const std::string prefix = url(s3, testing::unique_key_prefix("prune") + "/");
  CommandResult empty = run_tool(s3, {"prune", prefix, "--keep-last", "3"});
  EXPECT_EQ(empty.exit_code, 0) << describe(empty);
  EXPECT_NE(empty.out.find("0 backups, keep 0, delete 0"), std::string::npos) << empty.out;
  CommandResult no_policy = run_tool(s3, {"prune", prefix});
  EXPECT_EQ(no_policy.exit_code, 2) << describe(no_policy);
  EXPECT_NE(no_policy.err.find("--keep-last"), std::string::npos) << no_policy.err;
  CommandResult bad = run_tool(s3, {"prune", prefix}, {{"BACKUP_KEEP_DAILY", "seven"}});
  EXPECT_EQ(bad.exit_code, 2) << describe(bad);
  EXPECT_NE(bad.err.find("BACKUP_KEEP_DAILY=seven"), std::string::npos) << bad.err;
  CommandResult bad_age = run_tool(s3, {"prune", prefix, "--keep-last", "1", "--abort-stale-uploads", "soon"});
  EXPECT_EQ(bad_age.exit_code, 2) << describe(bad_age);
}

// An upload a killed backup left open: kept while younger than the age
// given, aborted once older.
TEST(Prune, AbortsStaleUploads) {
  const S3Service s3 = testing::s3gate();
  testing::GateAdmin gate(s3);
  const std::string prefix = testing::unique_key_prefix("prune");
  CommandResult created = testing::aws_cli(
      s3, {"s3api", "create-multipart-upload", "--bucket", s3.bucket, "--key", prefix + "/killed.dump.gz"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  auto open_here = [&] {
    int n = 0;
    for (const auto& u : gate.open_uploads()) n += u.value("key", "").starts_with(prefix) ? 1 : 0;
    return n;
  };
  ASSERT_EQ(open_here(), 1);

  CommandResult young = run_tool(s3, {"prune", url(s3, prefix + "/"), "--keep-last", "5", "--abort-stale-uploads", "24h"});
  ASSERT_EQ(young.exit_code, 0) << describe(young);
  EXPECT_EQ(open_here(), 1);

  CommandResult dry = run_tool(
      s3, {"prune", url(s3, prefix + "/"), "--keep-last", "5", "--abort-stale-uploads", "0s", "--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << describe(dry);
  EXPECT_NE(dry.out.find("abort?"), std::string::npos) << dry.out;
  EXPECT_EQ(open_here(), 1);

  CommandResult stale = run_tool(s3, {"prune", url(s3, prefix + "/"), "--keep-last", "5"},
                                 {{"ABORT_STALE_UPLOADS", "0s"}});
  ASSERT_EQ(stale.exit_code, 0) << describe(stale);
  EXPECT_NE(stale.out.find("abort   " + std::string(20, ' ') + "  " + prefix + "/killed.dump.gz"), std::string::npos)
      << stale.out;
  EXPECT_EQ(open_here(), 0);
}

// Newest first by the time in the key (else LastModified); a manifest that
// matches makes a backup verified; manifests are not listed as backups.
TEST(List, BackupsNewestFirstWithTheirManifests) {
  const S3Service s3 = testing::s3gate();
  ScratchDatabase source("lsrc");
  source.load_sample();
  const std::string prefix = testing::unique_key_prefix("list");
  backup(s3, source, prefix + "/20260102T000000Z.sql.gz");
  backup(s3, source, prefix + "/20260101T000000Z.dump.gz");
  fake_backup(s3, prefix + "/20260103T000000Z.dump.gz", Manifest::kWrongSize);
  fake_backup(s3, prefix + "/old-tool.tar.gz", Manifest::kNone);  // no time in the key: LastModified (today)

  CommandResult r = run_tool(s3, {"list", url(s3, prefix + "/"), "--json"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  const nlohmann::json rows = nlohmann::json::parse(r.out);
  ASSERT_EQ(rows.size(), 4u) << r.out;
  EXPECT_EQ(rows[0]["key"], prefix + "/old-tool.tar.gz");
  EXPECT_EQ(rows[0]["time_from"], "last_modified");
  EXPECT_EQ(rows[0]["verified"], false);
  EXPECT_EQ(rows[0]["verification"], "no manifest");
  EXPECT_EQ(rows[1]["key"], prefix + "/20260103T000000Z.dump.gz");
  EXPECT_EQ(rows[1]["verified"], false);
  EXPECT_NE(rows[1]["verification"].get<std::string>().find("the manifest says"), std::string::npos);
  EXPECT_EQ(rows[2]["key"], prefix + "/20260102T000000Z.sql.gz");
  EXPECT_EQ(rows[2]["time"], "2026-01-02T00:00:00Z");
  EXPECT_EQ(rows[2]["verified"], true) << rows[2].dump();
  EXPECT_EQ(rows[2]["dump_format"], "plain");
  EXPECT_EQ(rows[2]["database"], source.name());
  EXPECT_NE(rows[2]["source"].get<std::string>().find(":***@"), std::string::npos) << rows[2].dump();
  EXPECT_TRUE(rows[2]["duration_s"].is_number());
  EXPECT_EQ(rows[3]["key"], prefix + "/20260101T000000Z.dump.gz");
  EXPECT_EQ(rows[3]["verified"], true) << rows[3].dump();
  EXPECT_EQ(rows[3]["compression"], "gzip");

  CommandResult table = run_tool(s3, {"list", url(s3, prefix + "/")});
  ASSERT_EQ(table.exit_code, 0) << describe(table);
  EXPECT_NE(table.out.find("TIME"), std::string::npos) << table.out;
  EXPECT_LT(table.out.find(prefix + "/20260102T000000Z.sql.gz"), table.out.find(prefix + "/20260101T000000Z.dump.gz"))
      << table.out;
  EXPECT_NE(table.out.find("MISMATCH " + prefix + "/20260103T000000Z.dump.gz: the manifest says"), std::string::npos)
      << table.out;
  EXPECT_EQ(table.out.find(".manifest.json"), std::string::npos) << table.out;
  EXPECT_EQ(table.out.find(source.server().password), std::string::npos);

  CommandResult empty = run_tool(s3, {"list", url(s3, prefix + "-nothing/")});
  EXPECT_EQ(empty.exit_code, 0) << describe(empty);
  EXPECT_NE(empty.out.find("no backups under"), std::string::npos) << empty.out;
}

// BACKUP_KEEP_LAST with a {timestamp} template: after the backup its own
// history is pruned; keys the template does not make, and other
// databases' backups beside it, are left alone.
TEST(Prune, RunsAfterABackupWhenBackupKeepIsSet) {
  const S3Service s3 = testing::s3gate();
  ScratchDatabase source("ksrc");
  source.load_sample();
  const std::string prefix = testing::unique_key_prefix("keep");
  const std::string mine = prefix + "/" + source.name();
  fake_backup(s3, mine + "/20200101T000000Z.dump.gz", Manifest::kMatching);
  fake_backup(s3, mine + "/20200102T000000Z.dump.gz", Manifest::kNone);
  fake_backup(s3, mine + "/20200103T000000Z.dump.gz", Manifest::kMatching);
  fake_backup(s3, mine + "/notes.txt", Manifest::kNone);
  fake_backup(s3, prefix + "/other/20200101T000000Z.dump.gz", Manifest::kNone);

  CommandResult r = run_tool(s3, {"backup", "--quiet"},
                             {{"DATABASE_URL", source.url()},
                              {"S3_DESTINATION", url(s3, prefix + "/{db}/{timestamp}.dump.gz")},
                              {"BACKUP_KEEP_LAST", "2"}});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.err.find("retention (last 2) under " + url(s3, mine + "/") + ": kept 2, deleted 2"), std::string::npos)
      << r.err;
  const std::vector<std::string> left = keys_under(s3, mine + "/");
  ASSERT_EQ(left.size(), 5u) << ::testing::PrintToString(left);
  EXPECT_EQ(left[0], mine + "/20200103T000000Z.dump.gz");
  EXPECT_EQ(left[1], mine + "/20200103T000000Z.dump.gz.manifest.json");
  EXPECT_TRUE(left[2].ends_with("Z.dump.gz")) << left[2];  // the new backup
  EXPECT_TRUE(left[3].ends_with("Z.dump.gz.manifest.json")) << left[3];
  EXPECT_EQ(left[4], mine + "/notes.txt");
  EXPECT_EQ(keys_under(s3, prefix + "/other/").size(), 1u);

  CommandResult bad = run_tool(s3, {"backup"}, {{"DATABASE_URL", source.url()},
                                                {"S3_DESTINATION", url(s3, prefix + "/{timestamp}.dump.gz")},
                                                {"BACKUP_KEEP_LAST", "-1"}});
  EXPECT_EQ(bad.exit_code, 2) << describe(bad);
  EXPECT_NE(bad.err.find("BACKUP_KEEP_LAST=-1"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace pgdump2s3::restore_itest
