// Commands whose issues are still open: they exist in --help and say so.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "util/error.h"

namespace pgdump2s3::cli {
namespace {

void add_placeholder(CLI::App& app, CommandRunner& run, const char* name, const char* what) {
  CLI::App* cmd = app.add_subcommand(name, std::string(what) + " (not built yet)");
  cmd->allow_extras();
  cmd->callback([&run, name] {
    run = [name] {
      std::fprintf(stderr, "pgdump2s3: error: the %s command is not built yet\n", name);
      return kExitUsage;
    };
  });
}

}  // namespace

void add_restore_command(CLI::App& app, CommandRunner& run) {
  add_placeholder(app, run, "restore", "Restore a backup: stream it from S3 into pg_restore or psql");
}
void add_verify_command(CLI::App& app, CommandRunner& run) {
  add_placeholder(app, run, "verify", "Check a backup: checksum, gzip integrity, pg_restore --list, optional test restore");
}
void add_list_command(CLI::App& app, CommandRunner& run) {
  add_placeholder(app, run, "list", "List the backups under an S3 prefix, newest first");
}
void add_prune_command(CLI::App& app, CommandRunner& run) {
  add_placeholder(app, run, "prune", "Delete old backups under an S3 prefix by a retention policy");
}

}  // namespace pgdump2s3::cli
