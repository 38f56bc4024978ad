// Times of backups, as keys made by destination templates carry them and as
// S3 lists LastModified, and a manifest matched against its object.
#include <gtest/gtest.h>

#include "pipeline/backup_listing.h"

namespace pgdump2s3::pipeline {
namespace {

std::string iso(std::optional<TimePoint> t) { return t ? format_iso8601(*t) : "none"; }

TEST(BackupListing, TimeFromTemplateKeys) {
  // {timestamp}, {date}/{time}, {date}-{time}, {date} alone (midnight UTC).
  EXPECT_EQ(iso(time_from_key("prod/20261125T153000Z.dump.gz")), "2026-11-25T15:30:00Z");
  EXPECT_EQ(iso(time_from_key("prod/2026-11-25/153000.dump.gz")), "2026-11-25T15:30:00Z");
  EXPECT_EQ(iso(time_from_key("prod/app-2026-11-25-153000.sql.gz")), "2026-11-25T15:30:00Z");
  EXPECT_EQ(iso(time_from_key("prod/2026-11-25.sql.gz")), "2026-11-25T00:00:00Z");
  // The timestamp wins over a date elsewhere in the key; the last one counts.
  EXPECT_EQ(iso(time_from_key("2020-01-01/prod/20261125T153000Z.dump.gz")), "2026-11-25T15:30:00Z");
  EXPECT_EQ(iso(time_from_key("a/20251125T000000Z/20261125T153000Z.dump.gz")), "2026-11-25T15:30:00Z");
}

TEST(BackupListing, KeysWithoutARealTime) {
  EXPECT_EQ(iso(time_from_key("prod/db.dump.gz")), "none");
  EXPECT_EQ(iso(time_from_key("prod/20261345T153000Z.dump.gz")), "none");  // month 13
  EXPECT_EQ(iso(time_from_key("prod/2026-02-30.sql.gz")), "none");
  EXPECT_EQ(iso(time_from_key("prod/120261125T153000Z.dump.gz")), "none");  // glued to another digit
  EXPECT_EQ(iso(time_from_key("")), "none");
}

TEST(BackupListing, LastModifiedWithZonesAndFractions) {
  EXPECT_EQ(iso(parse_iso8601("2026-11-25T15:30:00.000Z")), "2026-11-25T15:30:00Z");
  EXPECT_EQ(iso(parse_iso8601("2026-11-25T15:30:00Z")), "2026-11-25T15:30:00Z");
  EXPECT_EQ(iso(parse_iso8601("2026-11-25T16:30:00+01:00")), "2026-11-25T15:30:00Z");
  EXPECT_EQ(iso(parse_iso8601("2026-11-25T10:00:00-05:30")), "2026-11-25T15:30:00Z");
  EXPECT_EQ(iso(parse_iso8601("2026-11-26T00:30:00+0900")), "2026-11-25T15:30:00Z");
  EXPECT_EQ(parse_iso8601("2026-11-25T15:30:00.250Z").value() - parse_iso8601("2026-11-25T15:30:00Z").value(),
            std::chrono::milliseconds(250));
  EXPECT_EQ(iso(parse_iso8601("Wed, 25 Nov 2026 15:30:00 GMT")), "none");
  EXPECT_EQ(iso(parse_iso8601("2026-11-25 15:30:00Z")), "none");
  EXPECT_EQ(iso(parse_iso8601("")), "none");
}

TEST(BackupListing, NewestFirstThenLastModifiedThenKey) {
  const TimePoint t = parse_iso8601("2026-11-25T00:00:00Z").value();
  std::vector<BackupEntry> b(4);
  b[0].key = "a";
  b[0].time = t;
  b[0].last_modified = "2026-11-25T10:00:00.000Z";
  b[1].key = "b";
  b[1].time = t;
  b[1].last_modified = "2026-11-25T09:00:00.000Z";
  b[2].key = "c";
  b[2].time = t - std::chrono::hours(1);
  b[3].key = "d";
  b[3].time = t;
  b[3].last_modified = "2026-11-25T10:00:00.000Z";
  sort_newest_first(b);
  EXPECT_EQ(b[0].key + b[1].key + b[2].key + b[3].key, "dabc");
}

TEST(BackupListing, ManifestMatchesItsObject) {
  BackupEntry b;
  b.key = "prod/20261125T153000Z.dump.gz";
  b.size = 1234;
  b.etag = "\"abc\"";
  nlohmann::json m = {{"key", b.key}, {"size", 1234}, {"etag", "\"abc\""}};
  EXPECT_EQ(manifest_mismatch(m, b), "");
  m["etag"] = "";  // Ceph RGW: CompleteMultipartUpload returns no ETag
  EXPECT_EQ(manifest_mismatch(m, b), "");
  m["etag"] = "\"def\"";
  EXPECT_NE(manifest_mismatch(m, b).find("ETag"), std::string::npos);
  m["etag"] = "\"abc\"";
  m["size"] = 99;
  EXPECT_NE(manifest_mismatch(m, b).find("99 bytes"), std::string::npos);
  m["size"] = 1234;
  m["key"] = "prod/other.dump.gz";
  EXPECT_NE(manifest_mismatch(m, b).find("another key"), std::string::npos);
}

}  // namespace
}  // namespace pgdump2s3::pipeline
