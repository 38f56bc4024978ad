#include "pg/pg_version.h"

#include <gtest/gtest.h>

namespace pgdump2s3::pg {
namespace {

TEST(PgVersion, ParsesReleaseAndDevelopmentVersions) {
  EXPECT_EQ(parse_version_number("15.4"), 150004);
  EXPECT_EQ(parse_version_number("9.6.24"), 90624);
  EXPECT_EQ(parse_version_number("16devel"), 160000);
  EXPECT_EQ(parse_version_number("17beta1"), 170000);
  EXPECT_EQ(parse_version_number("17rc1"), 170000);
  EXPECT_EQ(parse_version_number("abc"), std::nullopt);
  EXPECT_EQ(parse_version_number(""), std::nullopt);
}

TEST(PgVersion, ParsesToolOutput) {
  EXPECT_EQ(parse_tool_version_output("pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)\n"), 150020);
  EXPECT_EQ(parse_tool_version_output("psql (PostgreSQL) 9.6.24\n"), 90624);
  EXPECT_EQ(parse_tool_version_output("mysqldump  Ver 10.19\n"), std::nullopt);
}

TEST(PgVersion, NamesMajorVersions) {
  EXPECT_EQ(major_version_num(150004), 150000);
  EXPECT_EQ(major_version_num(90624), 90600);
  EXPECT_EQ(major_version_name(170002), "17");
  EXPECT_EQ(major_version_name(90624), "9.6");
}

}  // namespace
}  // namespace pgdump2s3::pg
