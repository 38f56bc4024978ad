// The backup command's configuration, resolved without running anything:
// the single DATABASE_URL/S3_DESTINATION pair and BACKUP_CONFIGURATION_NAMES
// as fly-pg-dump-to-s3 read them, defaults that follow the destination key,
// the numeric and size settings, destinations and their templates.
#include "cli/backup_options.h"

#include <CLI/CLI.hpp>
#include <gtest/gtest.h>

#include "cli/commands.h"
#include "cli/destination.h"
#include "util/error.h"
#include "util/log.h"

namespace pgdump2s3::cli {
namespace {

using pipeline::CompressionFormat;

const char* kUrl = "postgresql://backup:S3cret-pw-for-tests@db.internal:5432/app";

BackupOptions single(const std::string& destination) {
  BackupOptions o;
  o.database_url = kUrl;
  o.s3_destination = destination;
  return o;
}

pipeline::BackupJob only_job(const BackupOptions& o, const Environment& env = {}) {
  std::vector<PlannedBackup> jobs = resolve_backup_jobs(o, env);
  EXPECT_EQ(jobs.size(), 1u);
  return jobs.at(0).job;
}

std::string config_error(const BackupOptions& o, const Environment& env = {}) {
  try {
    resolve_backup_jobs(o, env);
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no ConfigError";
  return "";
}

TEST(BackupOptions, SingleConfigurationFromDatabaseUrlAndDestination) {
  pipeline::BackupJob job = only_job(single("s3://my-backups/daily/db.dump.gz"));
  EXPECT_EQ(job.name, "");
  EXPECT_EQ(job.database_url, kUrl);
  EXPECT_EQ(job.database_url_variable, "DATABASE_URL");
  EXPECT_EQ(job.bucket, "my-backups");
  EXPECT_EQ(job.key, "daily/db.dump.gz");
  EXPECT_EQ(job.url(), "s3://my-backups/daily/db.dump.gz");
}

TEST(BackupOptions, FormatAndCompressionFollowTheKey) {
  struct Case {
    const char* key;
    pg::DumpFormat format;
    CompressionFormat compression;
  };
  for (const Case& c : {Case{"db.dump.gz", pg::DumpFormat::kCustom, CompressionFormat::kGzip},
                        Case{"db.dump", pg::DumpFormat::kCustom, CompressionFormat::kNone},
                        Case{"db.dump.zst", pg::DumpFormat::kCustom, CompressionFormat::kZstd},
                        Case{"db.tar.gz", pg::DumpFormat::kTar, CompressionFormat::kGzip},
                        Case{"db.tgz", pg::DumpFormat::kTar, CompressionFormat::kGzip},
                        Case{"db.sql.gz", pg::DumpFormat::kPlain, CompressionFormat::kGzip},
                        Case{"db.sql", pg::DumpFormat::kPlain, CompressionFormat::kNone}}) {
    pipeline::BackupJob job = only_job(single(std::string("s3://b/") + c.key));
    EXPECT_EQ(job.dump.format, c.format) << c.key;
    EXPECT_EQ(job.compression.format, c.compression) << c.key;
    for (const char* always : {"--no-owner", "--clean", "--no-privileges"}) {
      EXPECT_NE(std::find(job.dump.args.begin(), job.dump.args.end(), always), job.dump.args.end())
          << c.key << " " << always;
    }
  }
}

// A plain dump made with --clean starts with DROP statements; without
// --if-exists they fail in the empty database a restore goes to, and
// `psql -v ON_ERROR_STOP=1` (how plain dumps are restored) stops at the first.
TEST(BackupOptions, DefaultCleanDropsOnlyWhatExists) {
  for (const char* key : {"db.sql", "db.sql.gz", "db.dump.gz", "db.tar.gz"}) {
    const std::vector<std::string> args = only_job(single(std::string("s3://b/") + key)).dump.args;
    EXPECT_NE(std::find(args.begin(), args.end(), "--if-exists"), args.end()) << key;
  }
}

TEST(BackupOptions, PgDumpArgsAreUsedAsGiven) {
  BackupOptions o = single("s3://b/db.sql");
  o.pg_dump_args = "--format=custom --schema=app --no-comments";
  pipeline::BackupJob job = only_job(o);
  EXPECT_EQ(job.dump.args, (std::vector<std::string>{"--format=custom", "--schema=app", "--no-comments"}));
  EXPECT_EQ(job.dump.format, pg::DumpFormat::kCustom);
  EXPECT_EQ(job.compression.format, CompressionFormat::kNone);
}

TEST(BackupOptions, PgDumpArgsWithAnOutputFileAreRefused) {
  BackupOptions o = single("s3://b/db.dump");
  o.pg_dump_args = "--format=custom -f /tmp/x.dump";
  EXPECT_NE(config_error(o).find("PG_DUMP_ARGS"), std::string::npos);
}

TEST(BackupOptions, ConfigurationNamesAreCaseFoldedAndTrimmed) {
  BackupOptions o;
  o.configuration_names = "env1, staging_environment ,test,";
  Environment env({{"ENV1_DATABASE_URL", kUrl},
                   {"ENV1_S3_DESTINATION", "s3://sample-bucket/sample.tar.gz"},
                   {"STAGING_ENVIRONMENT_DATABASE_URL", kUrl},
                   {"STAGING_ENVIRONMENT_S3_DESTINATION", "s3://sample-db-backups/staging_backup.tar.gz"},
                   {"TEST_DATABASE_URL", kUrl},
                   {"TEST_S3_DESTINATION", "s3://sample-db-backups/test_backup.sql"},
                   {"TEST_PG_DUMP_ARGS", "--format=plain --data-only"}});
  std::vector<PlannedBackup> jobs = resolve_backup_jobs(o, env);
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_EQ(jobs[0].job.name, "ENV1");
  EXPECT_EQ(jobs[0].job.database_url_variable, "ENV1_DATABASE_URL");
  EXPECT_EQ(jobs[0].destination_variable, "ENV1_S3_DESTINATION");
  EXPECT_EQ(jobs[0].job.url(), "s3://sample-bucket/sample.tar.gz");
  EXPECT_EQ(jobs[1].job.name, "STAGING_ENVIRONMENT");
  EXPECT_EQ(jobs[1].job.bucket, "sample-db-backups");
  EXPECT_EQ(jobs[2].job.name, "TEST");
  EXPECT_EQ(jobs[2].job.dump.args, (std::vector<std::string>{"--format=plain", "--data-only"}));
}

TEST(BackupOptions, ConfigurationNamesWinOverTheSinglePair) {
  BackupOptions o = single("s3://b/single.dump");
  o.configuration_names = "one";
  Environment env({{"ONE_DATABASE_URL", kUrl}, {"ONE_S3_DESTINATION", "s3://b/one.dump"}});
  EXPECT_EQ(only_job(o, env).key, "one.dump");
}

TEST(BackupOptions, AConfigurationWithoutItsVariablesIsNamed) {
  BackupOptions o;
  o.configuration_names = "good,missing";
  Environment env({{"GOOD_DATABASE_URL", kUrl}, {"GOOD_S3_DESTINATION", "s3://b/good.dump"}});
  EXPECT_NE(config_error(o, env).find("MISSING_DATABASE_URL"), std::string::npos);
  env.set("MISSING_DATABASE_URL", kUrl);
  EXPECT_NE(config_error(o, env).find("MISSING_S3_DESTINATION"), std::string::npos);
  o.configuration_names = " , ";
  EXPECT_NE(config_error(o, env).find("BACKUP_CONFIGURATION_NAMES"), std::string::npos);
}

TEST(BackupOptions, MissingDatabaseUrlOrDestinationIsNamed) {
  BackupOptions o = single("s3://b/db.dump");
  o.database_url.reset();
  EXPECT_NE(config_error(o).find("DATABASE_URL is not set"), std::string::npos);
  o = single("s3://b/db.dump");
  o.s3_destination.reset();
  EXPECT_NE(config_error(o).find("S3_DESTINATION is not set"), std::string::npos);
}

TEST(BackupOptions, TheOldMisspeltDestinationStillWorks) {
  BackupOptions o = single("");
  o.s3_destination.reset();
  Environment env;
  env.set("S3_DESTINATON", "s3://b/old.tar.gz");
  EXPECT_EQ(only_job(o, env).key, "old.tar.gz");
}

TEST(BackupOptions, SizesAndCounts) {
  BackupOptions o = single("s3://b/db.dump.gz");
  o.max_memory = "256MiB";
  o.upload_concurrency = "8";
  o.threads = "3";
  o.compress_level = "6";
  o.compressor = "zlib";
  pipeline::BackupJob job = only_job(o);
  EXPECT_EQ(job.max_memory, 256ull << 20);
  EXPECT_EQ(job.upload_concurrency, 8);
  EXPECT_EQ(job.dump_jobs, 3);
  EXPECT_EQ(job.compression.threads, 3);  // THREAD_COUNT, as COMPRESSION_THREAD_COUNT is unset
  EXPECT_EQ(job.compression.level, 6);
  EXPECT_EQ(job.compression.backend, pipeline::DeflateBackend::kZlib);
  o.compression_threads = "2";
  EXPECT_EQ(only_job(o).compression.threads, 2);
  o.max_memory = "1G";
  EXPECT_EQ(only_job(o).max_memory, 1ull << 30);
}

TEST(BackupOptions, BadNumbersAndSizesNameTheirVariable) {
  struct Case {
    std::optional<std::string> BackupOptions::*field;
    const char* value;
    const char* variable;
  };
  for (const Case& c : {Case{&BackupOptions::max_memory, "lots", "MAX_MEMORY"},
                        Case{&BackupOptions::max_memory, "64 parsecs", "MAX_MEMORY"},
                        Case{&BackupOptions::upload_concurrency, "0", "UPLOAD_CONCURRENCY"},
                        Case{&BackupOptions::upload_concurrency, "4x", "UPLOAD_CONCURRENCY"},
                        Case{&BackupOptions::threads, "-1", "THREAD_COUNT"},
                        Case{&BackupOptions::compression_threads, "many", "COMPRESSION_THREAD_COUNT"},
                        Case{&BackupOptions::compress_level, "99", "COMPRESS_LEVEL"},
                        Case{&BackupOptions::compressor, "brotli", "COMPRESSOR"}}) {
    BackupOptions o = single("s3://b/db.dump.gz");
    o.*c.field = c.value;
    std::string message = config_error(o);
    EXPECT_NE(message.find(c.variable), std::string::npos) << c.value << ": " << message;
    EXPECT_NE(message.find(c.value), std::string::npos) << message;
  }
}

TEST(BackupOptions, ThePasswordIsRegisteredAsASecret) {
  only_job(single("s3://b/db.dump"));
  EXPECT_EQ(log::redact(std::string("connecting with S3cret-pw-for-tests")), "connecting with ***");
}

TEST(BackupOptions, FlagsAndTheirEnvironmentVariables) {
  CLI::App app;
  BackupOptions o;
  add_backup_flags(app, o);
  std::vector<std::string> args = {"--quiet", "--max-memory", "128MiB", "--s3-destination", "s3://b/k.dump",
                                   "--database-url", kUrl};
  std::reverse(args.begin(), args.end());  // CLI11 takes them last first
  app.parse(args);
  EXPECT_EQ(o.database_url, kUrl);
  EXPECT_EQ(o.s3_destination, "s3://b/k.dump");
  EXPECT_EQ(o.max_memory, "128MiB");
  EXPECT_TRUE(o.quiet);
  EXPECT_FALSE(o.dry_run);
  for (const char* variable : {"DATABASE_URL", "S3_DESTINATION", "BACKUP_CONFIGURATION_NAMES", "PG_DUMP_ARGS",
                               "PG_DUMP_PATH", "BACKUPS_TEMP_DIR", "THREAD_COUNT", "COMPRESSION_THREAD_COUNT",
                               "MAX_MEMORY", "UPLOAD_CONCURRENCY"}) {
    EXPECT_NE(app.help().find(variable), std::string::npos) << variable;
  }
}

// The exit codes a scheduler acts on, in `backup --help` (README "Exit codes").
TEST(BackupOptions, HelpSaysWhichExitCodeMeansWhat) {
  CLI::App app;
  CommandRunner run;
  add_backup_command(app, run);
  const std::string help = app.get_subcommand("backup")->help();
  EXPECT_NE(help.find("1 the backup failed, or a server it needs (PostgreSQL, S3) could not be reached"),
            std::string::npos)
      << help;
  EXPECT_NE(help.find("2 the configuration is wrong"), std::string::npos) << help;
  EXPECT_NE(help.find("3 some of several"), std::string::npos) << help;
}

// --- Destinations -------------------------------------------------------

TEST(Destination, SplitsBucketAndKey) {
  Destination d = parse_destination("s3://my-backups/a/b/db.dump.gz", "S3_DESTINATION");
  EXPECT_EQ(d.bucket, "my-backups");
  EXPECT_EQ(d.key_template, "a/b/db.dump.gz");
  EXPECT_FALSE(d.is_template());
  EXPECT_TRUE(parse_destination("s3://b/{date}.dump", "S3_DESTINATION").is_template());
}

TEST(Destination, MistakesAreOneLineNamingTheVariable) {
  for (const char* bad : {"", "s3://", "s3:///key.dump", "s3://bucket", "s3://bucket/", "s3://bucket/folder/",
                          "http://bucket/key.dump", "https://s3.amazonaws.com/bucket/key.dump", "bucket/key.dump",
                          "s3://bu cket/key.dump", "s3://b/{host}.dump", "s3://b/{date.dump", "s3://b/date}.dump"}) {
    try {
      parse_destination(bad, "STAGING_S3_DESTINATION");
      ADD_FAILURE() << "accepted: " << bad;
    } catch (const ConfigError& e) {
      std::string message = e.what();
      EXPECT_TRUE(message.starts_with("STAGING_S3_DESTINATION")) << message;
      EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    }
  }
}

TEST(Destination, PlaceholdersExpandInUtc) {
  // 2026-11-25 15:30:07 UTC
  const auto t = std::chrono::system_clock::from_time_t(1795620607);
  const KeyValues values{t, "staging", "shop"};
  EXPECT_EQ(expand_key("{name}/{date}/{db}-{timestamp}.dump.gz", values),
            "staging/2026-11-25/shop-20261125T153007Z.dump.gz");
  EXPECT_EQ(expand_key("{time}.sql", values), "153007.sql");
  EXPECT_EQ(expand_key("plain/key.dump", values), "plain/key.dump");
  EXPECT_EQ(expand_key("{db}{db}", values), "shopshop");
}

}  // namespace
}  // namespace pgdump2s3::cli
