// `pgdump2s3 fly trigger` and `pgdump2s3 fly schedule`: flags, each with the
// environment variable the old trigger-backup.sh read, then src/fly.
#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include "cli/commands.h"
#include "fly/fly_settings.h"
#include "fly/machines_api.h"
#include "fly/schedule.h"
#include "fly/trigger.h"
#include "util/env.h"
#include "util/error.h"

namespace pgdump2s3::cli {
namespace {

// Flag values; empty means "not given", and the variable (or the default)
// applies. The token has no flag: a flag's value shows in `ps`.
struct FlyFlags {
  std::string app, region, machine_size, image, api_url, volume_size, every;
  bool ensure_no_volumes_left = false;
  bool remove = false;

  // The process environment with every given flag written over its variable.
  Environment environment(const CLI::App& cmd) const {
    Environment env = Environment::from_process();
    auto given = [&](const char* flag) {
      const CLI::Option* option = cmd.get_option_no_throw(flag);
      return option != nullptr && option->count() > 0;
    };
    auto set = [&](const char* flag, const char* name, const std::string& value) {
      if (given(flag)) env.set(name, value);
    };
    set("--app", "FLY_APP", app);
    set("--region", "FLY_REGION", region);
    set("--machine-size", "FLY_MACHINE_SIZE", machine_size);
    set("--image", "DOCKER_IMAGE", image);
    set("--api-url", "FLY_MACHINES_API_URL", api_url);
    set("--volume-size", "FLY_VOLUME_SIZE", volume_size);
    if (given("--ensure-no-volumes-left")) {
      env.set("ENSURE_NO_VOLUMES_LEFT", ensure_no_volumes_left ? "true" : "false");
    }
    return env;
  }
};

void add_app_flags(CLI::App& cmd, FlyFlags& f) {
  cmd.add_option("--app", f.app, "Fly app that runs the backup worker (required)")->envname("FLY_APP");
  cmd.add_option("--region", f.region, "Fly region of the worker machine (default cdg)")->envname("FLY_REGION");
  cmd.add_option("--machine-size", f.machine_size, "Fly machine size, e.g. shared-cpu-4x (the default), performance-2x")
      ->envname("FLY_MACHINE_SIZE");
  cmd.add_option("--image", f.image, "Worker image (default registry.fly.io/APP:latest)")->envname("DOCKER_IMAGE");
  cmd.add_option("--api-url", f.api_url, "Machines API base URL (default https://api.machines.dev)")
      ->envname("FLY_MACHINES_API_URL");
}

void add_trigger(CLI::App& fly, CommandRunner& run) {
  auto f = std::make_shared<FlyFlags>();
  CLI::App* cmd = fly.add_subcommand(
      "trigger",
      "Run one backup on a new Fly machine, wait for it, destroy it, and exit with the backup's exit code. "
      "The token comes from FLY_API_TOKEN only.");
  add_app_flags(*cmd, *f);
  cmd->add_option("--volume-size", f->volume_size,
                  "GB of temporary volume, created only when PG_DUMP_ARGS asks for --format=directory (default 3)")
      ->envname("FLY_VOLUME_SIZE");
  cmd->add_flag("--ensure-no-volumes-left", f->ensure_no_volumes_left,
                "Fail when the app still holds volumes afterwards (default: only warn)")
      ->envname("ENSURE_NO_VOLUMES_LEFT");
  cmd->callback([&run, f, cmd] {
    run = [f, cmd] {
      fly::FlySettings settings = fly::fly_settings_from(f->environment(*cmd));
      fly::MachinesApi api(settings.api);
      return fly::run_trigger(settings, api);
    };
  });
}

void add_schedule(CLI::App& fly, CommandRunner& run) {
  auto f = std::make_shared<FlyFlags>();
  CLI::App* cmd = fly.add_subcommand(
      "schedule", "Create or update the machine that Fly itself starts for a backup every hour, day, week or "
                  "month; --remove deletes it. The token comes from FLY_API_TOKEN only.");
  add_app_flags(*cmd, *f);
  cmd->add_option("--every", f->every, "hourly, daily, weekly or monthly")
      ->envname("FLY_SCHEDULE")
      ->check(CLI::IsMember({"hourly", "daily", "weekly", "monthly"}));
  cmd->add_flag("--remove", f->remove, "Destroy the scheduled backup machine (--every is then ignored)")
      ->envname("FLY_SCHEDULE_REMOVE");
  cmd->callback([&run, f, cmd] {
    run = [f, cmd] {
      if (!f->remove && f->every.empty()) {
        throw ConfigError("fly schedule needs --every hourly|daily|weekly|monthly (or FLY_SCHEDULE), or --remove");
      }
      fly::FlySettings settings = fly::fly_settings_from(f->environment(*cmd));
      fly::MachinesApi api(settings.api);
      return f->remove ? fly::remove_scheduled_backups(api) : fly::schedule_backups(settings, api, f->every);
    };
  });
}

}  // namespace

void add_fly_command(CLI::App& app, CommandRunner& run) {
  CLI::App* fly = app.add_subcommand("fly", "Run backups on ephemeral Fly.io machines (trigger, schedule)");
  fly->require_subcommand(1);
  // Each subcommand binds its own flags: CLI11 fills variables from the
  // environment for subcommands that were not given too, so shared storage
  // would let one overwrite the other's flag.
  add_trigger(*fly, run);
  add_schedule(*fly, run);
}

}  // namespace pgdump2s3::cli
