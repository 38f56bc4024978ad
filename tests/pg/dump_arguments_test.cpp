// PG_DUMP_ARGS: refused flags, format and jobs detection, defaults per key.
#include "pg/dump_arguments.h"

#include <gtest/gtest.h>

#include "util/error.h"

namespace pgdump2s3::pg {
namespace {

using Words = std::vector<std::string>;

std::string refusal(std::string_view text) {
  try {
    parse_dump_arguments(text);
  } catch (const ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no ConfigError for " << text;
  return {};
}

TEST(DumpArguments, RefusesEveryWayOfNamingAnOutputFile) {
  const std::string why = " is not allowed: pg_dump must write to stdout, which pgdump2s3 streams to S3";
  EXPECT_EQ(refusal("-f out.sql"), "PG_DUMP_ARGS: -f" + why);
  EXPECT_EQ(refusal("-fout.sql"), "PG_DUMP_ARGS: -f" + why);
  EXPECT_EQ(refusal("--no-owner -xOf out.sql"), "PG_DUMP_ARGS: -f" + why);
  EXPECT_EQ(refusal("--file out.sql"), "PG_DUMP_ARGS: --file" + why);
  EXPECT_EQ(refusal("--file=/tmp/x"), "PG_DUMP_ARGS: --file" + why);
  EXPECT_EQ(refusal("--fil=/tmp/x"), "PG_DUMP_ARGS: --fil" + why);  // getopt_long abbreviation
  EXPECT_EQ(refusal("--fi /tmp/x"), "PG_DUMP_ARGS: --fi" + why);
}

TEST(DumpArguments, DoesNotMistakeOptionArgumentsForFlags) {
  // "-f" here is the argument of -t / --exclude-table, not a flag.
  EXPECT_NO_THROW(parse_dump_arguments("-t -f --exclude-table -f -Z 0"));
  EXPECT_NO_THROW(parse_dump_arguments("--format=custom --filter=/etc/filter.txt"));
}

TEST(DumpArguments, RefusesADatabaseOtherThanDatabaseUrl) {
  EXPECT_NE(refusal("--dbname=other").find("--dbname is not allowed: the database comes from DATABASE_URL"),
            std::string::npos);
  EXPECT_NE(refusal("-d other").find("-d is not allowed"), std::string::npos);
  EXPECT_NE(refusal("--no-owner otherdb").find("a database name (\"otherdb\") is not allowed"), std::string::npos);
  EXPECT_NE(refusal("-Fc -- otherdb").find("otherdb"), std::string::npos);
}

TEST(DumpArguments, KeepsTheArgumentsAsGiven) {
  DumpArguments a = parse_dump_arguments("--no-owner  -t 'my table' -Fc");
  EXPECT_EQ(a.args, (Words{"--no-owner", "-t", "my table", "-Fc"}));
}

TEST(DumpArguments, DetectsTheFormatInEveryForm) {
  struct Case {
    const char* args;
    DumpFormat format;
  } cases[] = {
      {"--no-owner", DumpFormat::kPlain},        {"-Fc", DumpFormat::kCustom},
      {"-F c", DumpFormat::kCustom},             {"-F custom", DumpFormat::kCustom},
      {"--format=custom", DumpFormat::kCustom},  {"--format custom", DumpFormat::kCustom},
      {"--format=d -j 4", DumpFormat::kDirectory}, {"-Fdirectory", DumpFormat::kDirectory},
      {"-Ft", DumpFormat::kTar},                 {"--format=TAR", DumpFormat::kTar},
      {"--form=t", DumpFormat::kTar},            {"-Fp", DumpFormat::kPlain},
      {"--format=plain", DumpFormat::kPlain},    {"-vFc", DumpFormat::kCustom},
      {"-Ft -Fc", DumpFormat::kCustom},  // the last one wins, as in pg_dump
  };
  for (const Case& c : cases) {
    EXPECT_EQ(parse_dump_arguments(c.args).format, c.format) << c.args;
  }
  EXPECT_NE(refusal("--format=zip").find("unknown --format \"zip\" (expected c|custom, d|directory, t|tar or p|plain)"),
            std::string::npos);
}

TEST(DumpArguments, DetectsJobs) {
  EXPECT_EQ(parse_dump_arguments("-Fd --jobs=4").jobs, 4);
  EXPECT_EQ(parse_dump_arguments("-Fd --jobs 3").jobs, 3);
  EXPECT_EQ(parse_dump_arguments("-Fd -j8").jobs, 8);
  EXPECT_EQ(parse_dump_arguments("-Fd -j 2").jobs, 2);
  EXPECT_EQ(parse_dump_arguments("-Fd").jobs, std::nullopt);
  EXPECT_NE(refusal("-Fd --jobs=many").find("--jobs wants a positive number"), std::string::npos);
}

TEST(DumpArguments, RecordsWhatTheDumpSelects) {
  DumpArguments a = parse_dump_arguments("-n Sales --schema='\"MixedCase\"' -N audit");
  EXPECT_EQ(a.schemas, (Words{"sales", "MixedCase"}));
  EXPECT_EQ(a.excluded_schemas, (Words{"audit"}));
  EXPECT_FALSE(a.selects_by_pattern);
  EXPECT_TRUE(parse_dump_arguments("-n 'sales_*'").selects_by_pattern);
  EXPECT_TRUE(parse_dump_arguments("-t orders").selects_by_pattern);
  EXPECT_TRUE(parse_dump_arguments("--exclude-table=logs").selects_by_pattern);
  EXPECT_FALSE(parse_dump_arguments("--exclude-table-data=logs").selects_by_pattern);
  EXPECT_TRUE(parse_dump_arguments("--enable-row-security").enable_row_security);
}

TEST(DumpArguments, DefaultsFollowTheDestinationKey) {
  const Words always = {"--no-owner", "--clean", "--if-exists", "--no-privileges"};
  auto expect = [&](std::string_view key, DumpFormat format, Words first) {
    DumpArguments a = default_dump_arguments(key);
    first.insert(first.end(), always.begin(), always.end());
    EXPECT_EQ(a.format, format) << key;
    EXPECT_EQ(a.args, first) << key;
  };
  expect("backups/db.tar.gz", DumpFormat::kTar, {"--format=tar"});
  expect("backups/db.tgz", DumpFormat::kTar, {"--format=tar"});
  expect("backups/db.TAR.GZ", DumpFormat::kTar, {"--format=tar"});
  expect("db.tar", DumpFormat::kTar, {"--format=tar"});
  expect("db.sql.gz", DumpFormat::kPlain, {"--format=plain"});
  expect("db.sql", DumpFormat::kPlain, {"--format=plain"});
  expect("db.dump", DumpFormat::kCustom, {"--format=custom", "--compress=0"});
  expect("db.dump.gz", DumpFormat::kCustom, {"--format=custom", "--compress=0"});
  expect("nightly", DumpFormat::kCustom, {"--format=custom", "--compress=0"});
}

TEST(DumpArguments, ExplicitArgumentsReplaceTheDefaults) {
  EXPECT_EQ(resolve_dump_arguments(std::string("-Fp"), "db.tar.gz").args, (Words{"-Fp"}));
  EXPECT_EQ(resolve_dump_arguments(std::nullopt, "db.tar.gz").format, DumpFormat::kTar);
}

}  // namespace
}  // namespace pgdump2s3::pg
