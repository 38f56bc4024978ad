// FLY_* and worker variables → FlySettings: the old trigger's defaults, one
// clear ConfigError per bad variable.
#include <gtest/gtest.h>

#include "fly/fly_settings.h"
#include "util/error.h"

namespace pgdump2s3::fly {
namespace {

using Vars = std::map<std::string, std::string, std::less<>>;

Environment minimal() { return Environment(Vars{{"FLY_APP", "db-backup"}, {"FLY_API_TOKEN", "fm2_secret"}}); }

// The ConfigError text, or "" when there was none.
std::string config_error(const Environment& env) {
  try {
    fly_settings_from(env);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(FlySettings, DefaultsAreThoseOfTheOldTrigger) {
  FlySettings s = fly_settings_from(minimal());
  EXPECT_EQ(s.api.app, "db-backup");
  EXPECT_EQ(s.api.token, "fm2_secret");
  EXPECT_EQ(s.api.base_url, "https://api.machines.dev");
  EXPECT_EQ(s.region, "cdg");
  EXPECT_EQ(s.guest.name, "shared-cpu-4x");
  EXPECT_EQ(s.volume_size_gb, 3);
  EXPECT_EQ(s.image, "registry.fly.io/db-backup:latest");
  EXPECT_FALSE(s.ensure_no_volumes_left);
  EXPECT_FALSE(s.needs_volume);
  EXPECT_EQ(s.temp_dir, "/tmp/db-backups");
  EXPECT_TRUE(s.worker_env.empty());
}

TEST(FlySettings, ReadsEveryVariable) {
  Environment env = minimal();
  env.set("FLY_REGION", "ewr");
  env.set("FLY_MACHINE_SIZE", "performance-2x");
  env.set("FLY_VOLUME_SIZE", "20");
  env.set("DOCKER_IMAGE", "ghcr.io/x/y:1");
  env.set("ENSURE_NO_VOLUMES_LEFT", "TRUE");
  env.set("FLY_MACHINES_API_URL", "http://_api.internal:4280");
  env.set("PG_DUMP_ARGS", "--format=directory --jobs=4");
  env.set("BACKUPS_TEMP_DIR", "/data/tmp");
  env.set("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/backup");
  FlySettings s = fly_settings_from(env);
  EXPECT_EQ(s.region, "ewr");
  EXPECT_EQ(s.guest.name, "performance-2x");
  EXPECT_EQ(s.volume_size_gb, 20);
  EXPECT_EQ(s.image, "ghcr.io/x/y:1");
  EXPECT_TRUE(s.ensure_no_volumes_left);
  EXPECT_EQ(s.api.base_url, "http://_api.internal:4280");
  EXPECT_TRUE(s.needs_volume);
  EXPECT_EQ(s.temp_dir, "/data/tmp");
  EXPECT_EQ(s.worker_env.at("PG_DUMP_ARGS"), "--format=directory --jobs=4");
  EXPECT_EQ(s.worker_env.at("BACKUPS_TEMP_DIR"), "/data/tmp");
  EXPECT_EQ(s.worker_env.at("AWS_ROLE_ARN"), "arn:aws:iam::123456789012:role/backup");
}

TEST(FlySettings, EachBadVariableIsNamedInItsError) {
  auto with = [](const char* name, const char* value) {
    Environment env = minimal();
    env.set(name, value);
    return config_error(env);
  };
  EXPECT_NE(config_error(Environment(Vars{{"FLY_API_TOKEN", "t"}})).find("FLY_APP is not set"), std::string::npos);
  EXPECT_NE(config_error(Environment(Vars{{"FLY_APP", "a"}})).find("FLY_API_TOKEN is not set"), std::string::npos);
  EXPECT_NE(with("FLY_APP", "My App").find("FLY_APP"), std::string::npos);
  std::string size = with("FLY_MACHINE_SIZE", "huge");
  EXPECT_NE(size.find("FLY_MACHINE_SIZE='huge'"), std::string::npos) << size;
  EXPECT_NE(size.find("shared-cpu-4x"), std::string::npos) << "lists the sizes: " << size;
  EXPECT_NE(with("FLY_VOLUME_SIZE", "3GB").find("FLY_VOLUME_SIZE"), std::string::npos);
  EXPECT_NE(with("FLY_VOLUME_SIZE", "0").find("FLY_VOLUME_SIZE"), std::string::npos);
  EXPECT_NE(with("ENSURE_NO_VOLUMES_LEFT", "maybe").find("ENSURE_NO_VOLUMES_LEFT"), std::string::npos);
  EXPECT_NE(with("FLY_REGION", "CDG!").find("FLY_REGION"), std::string::npos);
  EXPECT_NE(with("FLY_MACHINES_API_URL", "api.machines.dev").find("FLY_MACHINES_API_URL"), std::string::npos);
  EXPECT_NE(with("BACKUPS_TEMP_DIR", "tmp").find("BACKUPS_TEMP_DIR"), std::string::npos);
}

TEST(FlySettings, TheTokenIsNeverInAnError) {
  Environment env = minimal();
  env.set("FLY_MACHINE_SIZE", "huge");
  EXPECT_EQ(config_error(env).find("fm2_secret"), std::string::npos);
}

TEST(FlySettings, DirectoryFormatIsRecognisedInEveryPgDumpSpelling) {
  for (const char* args : {"--format=directory", "--format=d", "--format directory", "--format D", "-Fd", "-F d",
                           "-Fdirectory", "--no-owner --jobs=4 --format=directory --compress=0",
                           "--format=custom --format=directory"}) {
    EXPECT_TRUE(dumps_to_directory(args)) << args;
  }
  for (const char* args : {"", "--format=custom", "-Fc", "--format=plain", "-Ft", "--format=directory -Fc",
                           "--file=d", "--dbname=directory"}) {
    EXPECT_FALSE(dumps_to_directory(args)) << args;
  }
}

}  // namespace
}  // namespace pgdump2s3::fly
