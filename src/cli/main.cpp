// pgdump2s3: flags and environment → one command.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "util/error.h"
#include "util/log.h"
#include "util/shutdown_signal.h"

namespace {

constexpr const char* kExitCodes =
    "Exit codes: 0 success, 1 a backup (or restore, verify) failed, 2 usage or configuration\n"
    "error (nothing was uploaded), 3 some of several configurations failed.";

// CLI11 reports parse errors in several lines; a user gets one.
int report_parse_error(const CLI::ParseError& e) {
  std::string what = e.what();
  for (char& c : what) {
    if (c == '\n') c = ' ';
  }
  std::fprintf(stderr, "pgdump2s3: error: %s (see --help)\n", what.c_str());
  return pgdump2s3::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace pgdump2s3;
  CLI::App app{
      "pgdump2s3: stream pg_dump through parallel compression into S3, with no temporary disk\n"
      "and bounded memory; restore and verify what it backed up."};
  app.set_version_flag("--version", std::string(PGDUMP2S3_VERSION));
  app.footer(kExitCodes);
  // No subcommand prints the help (exit 2); an unknown word is an error
  // naming it (CLI11's ExtrasError), not "a subcommand is required".
  app.require_subcommand(0, 1);
  app.fallthrough(false);

  std::string log_format = "plain";
  app.add_option("--log-format", log_format, "Log lines as plain text or one JSON object per line (for log shippers)")
      ->envname("LOG_FORMAT")
      ->check(CLI::IsMember({"plain", "json"}));

  cli::CommandRunner run;
  cli::add_backup_command(app, run);
  cli::add_restore_command(app, run);
  cli::add_verify_command(app, run);
  cli::add_list_command(app, run);
  cli::add_prune_command(app, run);
  cli::add_fly_command(app, run);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return report_parse_error(e);
  }

  log::set_format(log_format == "json" ? log::Format::kJson : log::Format::kPlain);
  if (!run) {
    std::fputs(app.help().c_str(), stderr);
    return kExitUsage;
  }
  ShutdownSignal::install();
  int code = kExitBackupFailed;
  try {
    code = run();
  } catch (const ConfigError& e) {
    log::error(e.what());
    code = kExitUsage;
  } catch (const std::exception& e) {
    log::error(e.what());
    code = kExitBackupFailed;
  }
  ShutdownSignal::uninstall();
  return code;
}
