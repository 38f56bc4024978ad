// `pgdump2s3 backup` end to end, run as a user runs it: the sample database
// goes to S3 (s3gate and the real Ceph RGW), the AWS CLI downloads it, stock
// gzip/zstd/tar check and unpack it, stock pg_restore/psql restore it into a
// fresh database, and the restored content equals the source.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <regex>

#include "pipeline/backup_itest_support.h"
#include "support/scratch_database.h"

namespace pgdump2s3::backup_itest {
namespace {

using testing::ScratchDatabase;
using testing::TempDir;

// How a user restores each kind of object, with stock tools only.
enum class Restore {
  kGzipCustom,  // gzip -t; gzip -dc | pg_restore
  kGzipTar,     // gzip -t; tar -x; pg_restore of the extracted folder (directory format)
  kGzipPlain,   // gzip -t; gzip -dc | psql -v ON_ERROR_STOP=1
  kPlain,       // psql -v ON_ERROR_STOP=1 -f
  kZstdCustom,  // zstd -t; zstd -dc | pg_restore
  kCustom,      // pg_restore
};

struct RoundTrip {
  std::string store;   // "s3gate" or "rgw"
  std::string suffix;  // the key's ending, which picks format and compression
  Restore restore;
  std::string pg_dump_args;  // PG_DUMP_ARGS; empty: unset (the defaults)
};

// fly-pg-dump-to-s3's default PG_DUMP_ARGS (its README): a directory-format
// dump, which pgdump2s3 spools to BACKUPS_TEMP_DIR and streams as a tar.
const char* kOldToolDefaultArgs = "--no-owner --clean --no-privileges --jobs=4 --format=directory --compress=0";

std::string test_name(const ::testing::TestParamInfo<RoundTrip>& info) {
  std::string name = info.param.store + info.param.suffix + (info.param.pg_dump_args.empty() ? "" : "_directory");
  for (char& c : name) {
    if (c == '.') c = '_';
  }
  return name;
}

CommandResult shell_pipeline(const std::string& script, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"bash", "-o", "pipefail", "-c", script, "restore"};
  argv.insert(argv.end(), args.begin(), args.end());
  return testing::run_command(argv);
}

void restore_into(const ScratchDatabase& target, Restore how, const std::string& file, const TempDir& dir) {
  const std::string conninfo = target.server().superuser_conninfo(target.name());
  CommandResult r;
  switch (how) {
    case Restore::kGzipCustom:
      r = testing::run_command({"gzip", "-t", file});
      ASSERT_EQ(r.exit_code, 0) << "gzip -t: " << r.err;
      r = shell_pipeline(R"(gzip -dc "$1" | pg_restore --exit-on-error --dbname="$2")", {file, conninfo});
      break;
    case Restore::kGzipTar: {
      r = testing::run_command({"gzip", "-t", file});
      ASSERT_EQ(r.exit_code, 0) << "gzip -t: " << r.err;
      const std::string folder = dir.file("extracted");
      ASSERT_EQ(testing::run_command({"mkdir", folder}).exit_code, 0);
      r = testing::run_command({"tar", "-xzf", file, "-C", folder});
      ASSERT_EQ(r.exit_code, 0) << "tar -x: " << r.err;
      r = testing::run_command({"pg_restore", "--exit-on-error", "--format=directory", "--dbname=" + conninfo, folder});
      break;
    }
    case Restore::kGzipPlain:
      r = testing::run_command({"gzip", "-t", file});
      ASSERT_EQ(r.exit_code, 0) << "gzip -t: " << r.err;
      r = shell_pipeline(R"(gzip -dc "$1" | psql -X -q -v ON_ERROR_STOP=1 --dbname="$2")", {file, conninfo});
      break;
    case Restore::kPlain:
      r = testing::run_command({"psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--dbname=" + conninfo, "-f", file});
      break;
    case Restore::kZstdCustom:
      r = testing::run_command({"zstd", "-q", "-t", file});
      ASSERT_EQ(r.exit_code, 0) << "zstd -t: " << r.err;
      r = shell_pipeline(R"(zstd -q -dc "$1" | pg_restore --exit-on-error --dbname="$2")", {file, conninfo});
      break;
    case Restore::kCustom:
      r = testing::run_command({"pg_restore", "--exit-on-error", "--dbname=" + conninfo, file});
      break;
  }
  ASSERT_EQ(r.exit_code, 0) << "restore failed:\n" << r.err;
}

void PrintTo(const RoundTrip& p, std::ostream* os) { *os << p.store << " " << p.suffix << " " << p.pg_dump_args; }

class BackupRoundTrip : public CleanGateTest, public ::testing::WithParamInterface<RoundTrip> {};

TEST_P(BackupRoundTrip, RestoresTheSameContent) {
  const RoundTrip& p = GetParam();
  const S3Service s3 = p.store == "rgw" ? testing::rgw() : s3_;
  ScratchDatabase source("rt_src");
  source.load_sample();
  const std::string key = testing::unique_key_prefix("backup-itest") + "/sample" + p.suffix;

  TempDir spool;
  std::map<std::string, std::string> env = {{"BACKUPS_TEMP_DIR", spool.path()}};
  if (!p.pg_dump_args.empty()) env["PG_DUMP_ARGS"] = p.pg_dump_args;
  CommandResult r = run_backup(backup_options(s3, source.url(), key, env));
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  if (p.restore == Restore::kCustom) {  // the multipart case (see round_trips())
    EXPECT_TRUE(std::regex_search(r.err, std::regex(R"(stored [^\n]* in [2-9] parts)"))) << r.err;
  }
  // Only the directory mode spools, in BACKUPS_TEMP_DIR, and leaves nothing there.
  EXPECT_EQ(r.err.find("pg_dump writes to " + spool.path()) != std::string::npos, !p.pg_dump_args.empty()) << r.err;
  EXPECT_TRUE(std::filesystem::is_empty(spool.path()));

  TempDir dir;
  const std::string file = dir.file("backup" + p.suffix);
  download(s3, key, file);
  // The manifest beside it records the object as the AWS CLI sees it.
  download(s3, key + ".manifest.json", dir.file("manifest.json"));
  const nlohmann::json manifest = nlohmann::json::parse(testing::read_file(dir.file("manifest.json")));
  CommandResult sum = testing::run_command({"sha256sum", file});
  EXPECT_EQ(manifest.value("sha256", ""), sum.out.substr(0, 64)) << manifest.dump(2);
  EXPECT_EQ(manifest.value("size", 0ull), std::filesystem::file_size(file)) << manifest.dump(2);
  EXPECT_EQ(manifest.value("etag", ""), etag_of(s3, key)) << manifest.dump(2);
  EXPECT_EQ(manifest.value("key", ""), key) << manifest.dump(2);

  ScratchDatabase restored("rt_dst");
  restore_into(restored, p.restore, file, dir);
  const std::string expected = source.fingerprint();
  EXPECT_NE(expected.find("large object"), std::string::npos) << expected;
  EXPECT_NE(expected.find("sequence public.orders_id_seq last_value=100000"), std::string::npos) << expected;
  EXPECT_EQ(restored.fingerprint(), expected);
}

std::vector<RoundTrip> round_trips() {
  std::vector<RoundTrip> all;
  for (const char* store : {"s3gate", "rgw"}) {
    all.push_back({store, ".dump.gz", Restore::kGzipCustom, ""});
    all.push_back({store, ".tar.gz", Restore::kGzipTar, ""});
    all.push_back({store, ".sql.gz", Restore::kGzipPlain, ""});
    all.push_back({store, ".sql", Restore::kPlain, ""});
    all.push_back({store, ".dump.zst", Restore::kZstdCustom, ""});
  }
  all.push_back({"s3gate", ".tar.gz", Restore::kGzipTar, kOldToolDefaultArgs});
  // Uncompressed, the sample's dump (~13 MB) goes up in several parts:
  // multipart on the real RGW, independent of the plain-SQL restores.
  all.push_back({"rgw", ".dump", Restore::kCustom, ""});
  return all;
}

INSTANTIATE_TEST_SUITE_P(Formats, BackupRoundTrip, ::testing::ValuesIn(round_trips()), test_name);

// A small database whose dump compresses well, quick to make.
void add_notes(const ScratchDatabase& db, int rows) {
  db.sql("CREATE TABLE notes (id int PRIMARY KEY, body text);"
         "INSERT INTO notes SELECT g, repeat('note ' || (g % 10), 40) FROM generate_series(1, " +
             std::to_string(rows) + ") g",
         /*as_app=*/true);
}

std::vector<std::string> without_manifests(std::vector<std::string> keys) {
  std::erase_if(keys, [](const std::string& k) { return k.ends_with(".manifest.json"); });
  return keys;
}

// BACKUP_CONFIGURATION_NAMES as fly-pg-dump-to-s3 read it: names case-folded
// to upper for their variables; each configuration runs even when an
// earlier one failed; exit 3 and a table of outcomes when some failed.
class BackupConfigurations : public CleanGateTest {};

TEST_F(BackupConfigurations, OneFailureDoesNotStopTheOthers) {
  const S3Service& s3 = s3_;
  ScratchDatabase first("cfg_first");
  ScratchDatabase third("cfg_third");
  add_notes(first, 100);
  add_notes(third, 100);
  const std::string prefix = testing::unique_key_prefix("backup-itest");
  CommandOptions o = testing::tool_options(s3);
  o.env["BACKUP_CONFIGURATION_NAMES"] = "first, broken,Third";
  o.env["FIRST_DATABASE_URL"] = first.url();
  o.env["FIRST_S3_DESTINATION"] = "s3://" + s3.bucket + "/" + prefix + "/{name}/{db}.dump.gz";
  o.env["BROKEN_DATABASE_URL"] = first.server().url(first.name() + "_missing");
  o.env["BROKEN_S3_DESTINATION"] = "s3://" + s3.bucket + "/" + prefix + "/{name}/{db}.dump.gz";
  o.env["THIRD_DATABASE_URL"] = third.url();
  o.env["THIRD_S3_DESTINATION"] = "s3://" + s3.bucket + "/" + prefix + "/{name}/{db}.sql.gz";

  CommandResult r = run_backup(o);
  EXPECT_EQ(r.exit_code, 3) << describe(r);
  std::vector<std::string> keys = without_manifests(keys_under(s3, prefix + "/"));
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys, (std::vector<std::string>{prefix + "/first/" + first.name() + ".dump.gz",
                                             prefix + "/third/" + third.name() + ".sql.gz"}));
  // The summary table: a header, then one row per configuration in order.
  const std::regex table(R"(CONFIGURATION +RESULT[^\n]*\nFIRST +ok [^\n]*\nBROKEN +FAILED [^\n]*)" +
                         first.name() + R"(_missing[^\n]*\nTHIRD +ok [^\n]*\n?$)");
  EXPECT_TRUE(std::regex_search(r.err, table)) << r.err;
  EXPECT_EQ(r.err.find(first.server().password), std::string::npos) << r.err;
}

class BackupDestinationTemplates : public CleanGateTest {};

TEST_F(BackupDestinationTemplates, PlaceholdersExpandWhenTheBackupStarts) {
  const S3Service& s3 = s3_;
  ScratchDatabase db("tmpl");
  add_notes(db, 100);
  const std::string prefix = testing::unique_key_prefix("backup-itest");
  const auto before = std::chrono::system_clock::now();
  CommandResult r = run_backup(
      backup_options(s3, db.url(), prefix + "/{name}/{date}/{db}-{time}/{timestamp}.dump.gz"));
  const auto after = std::chrono::system_clock::now();
  ASSERT_EQ(r.exit_code, 0) << describe(r);

  std::vector<std::string> keys = without_manifests(keys_under(s3, prefix + "/"));
  ASSERT_EQ(keys.size(), 1u) << ::testing::PrintToString(keys);
  std::smatch m;
  const std::regex shape(prefix + R"(/default/(\d{4}-\d{2}-\d{2})/)" + db.name() +
                         R"(-(\d{6})/((\d{8})T(\d{6})Z)\.dump\.gz)");
  ASSERT_TRUE(std::regex_match(keys[0], m, shape)) << keys[0];
  // {date} and {time} are the same instant as {timestamp}, between the
  // moments the test started and saw the end of the run (UTC).
  auto utc = [](std::chrono::system_clock::time_point t) {
    std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
    return std::string(buf);
  };
  const std::string timestamp = m[3];
  EXPECT_GE(timestamp, utc(before));
  EXPECT_LE(timestamp, utc(after));
  std::string date = m[1];
  std::erase(date, '-');
  EXPECT_EQ(date, m[4].str());
  EXPECT_EQ(m[2].str(), m[5].str());
}

TEST_F(BackupDestinationTemplates, UnknownPlaceholderIsAConfigurationError) {
  const S3Service& s3 = s3_;
  const std::string prefix = testing::unique_key_prefix("backup-itest");
  CommandResult r = run_backup(
      backup_options(s3, testing::postgres().url("postgres"), prefix + "/{hostname}/{date}.dump.gz"));
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_NE(r.err.find("{hostname}"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("S3_DESTINATION"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_TRUE(keys_under(s3, prefix + "/").empty());
}

// With stderr not a terminal (a log), the last line says what happened:
// duration, bytes, ratio, parts, where the object is and its ETag.
class BackupSummary : public CleanGateTest {};

TEST_F(BackupSummary, LastLineNamesUrlEtagBytesRatioPartsAndDuration) {
  const S3Service& s3 = s3_;
  ScratchDatabase db("summary");
  add_notes(db, 20000);
  const std::string key = testing::unique_key_prefix("backup-itest") + "/notes.dump.gz";
  CommandResult r = run_backup(backup_options(s3, db.url(), key));
  ASSERT_EQ(r.exit_code, 0) << describe(r);

  std::string text = r.err;
  while (!text.empty() && text.back() == '\n') text.pop_back();
  const std::string last = text.substr(text.rfind('\n') + 1);
  const std::string etag = etag_of(s3, key);
  ASSERT_FALSE(etag.empty());
  EXPECT_NE(last.find("s3://" + s3.bucket + "/" + key), std::string::npos) << last;
  EXPECT_NE(last.find(etag), std::string::npos) << last << "\nETag " << etag;
  EXPECT_TRUE(std::regex_search(last, std::regex(R"(dumped [0-9.]+ [KMG]?i?B)"))) << last;
  EXPECT_TRUE(std::regex_search(last, std::regex(R"(stored [0-9.]+ [KMG]?i?B)"))) << last;
  EXPECT_TRUE(std::regex_search(last, std::regex(R"(ratio [0-9]+\.[0-9]+:1)"))) << last;
  EXPECT_TRUE(std::regex_search(last, std::regex(R"(\b1 part\b)"))) << last;
  EXPECT_TRUE(std::regex_search(last, std::regex(R"(\b[0-9]{2}:[0-9]{2}\b)"))) << last;
}

// Progress is a live line on a terminal; --quiet silences it, not the summary.
// Run under a pseudo-terminal (script(1)), with the upload slowed by the
// gate so that the backup lasts long enough for several progress redraws.
TEST_F(BackupSummary, QuietSilencesProgressOnATerminal) {
  const S3Service& s3 = s3_;
  ScratchDatabase db("quiet");
  add_notes(db, 1000);
  const std::string prefix = testing::unique_key_prefix("backup-itest");
  gate_.set_faults(nlohmann::json::array(
      {{{"method", "PUT"}, {"path", "^/" + s3.bucket + "/" + prefix + "/"}, {"action", {{"delay", 1.5}}}}}));
  auto run_on_terminal = [&](const std::string& key, const std::string& flags) {
    CommandOptions o = backup_options(s3, db.url(), key);
    return testing::run_command(
        {"script", "-q", "-e", "-c", std::string(PGDUMP2S3_BINARY) + " backup " + flags, "/dev/null"}, o);
  };
  CommandResult loud = run_on_terminal(prefix + "/loud.dump.gz", "");
  CommandResult quiet = run_on_terminal(prefix + "/quiet.dump.gz", "--quiet");
  ASSERT_EQ(loud.exit_code, 0) << describe(loud);
  ASSERT_EQ(quiet.exit_code, 0) << describe(quiet);
  EXPECT_NE(loud.out.find("backup: dumped"), std::string::npos) << loud.out;
  EXPECT_EQ(quiet.out.find("backup: dumped"), std::string::npos) << quiet.out;
  EXPECT_NE(quiet.out.find("backup complete: s3://" + s3.bucket + "/" + prefix + "/quiet.dump.gz"),
            std::string::npos)
      << quiet.out;
}

}  // namespace
}  // namespace pgdump2s3::backup_itest
