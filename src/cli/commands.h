// The subcommands of the one binary. Each command file adds its subcommand,
// its flags (every flag with its environment variable) and the function that
// runs it; main() only dispatches.
#pragma once

#include <functional>

namespace CLI {
class App;
}

namespace pgdump2s3::cli {

// What a registered command runs once its flags are parsed; returns the
// process exit code (util/error.h).
using CommandRunner = std::function<int()>;

void add_backup_command(CLI::App& app, CommandRunner& run);
void add_restore_command(CLI::App& app, CommandRunner& run);
void add_verify_command(CLI::App& app, CommandRunner& run);
void add_list_command(CLI::App& app, CommandRunner& run);
void add_prune_command(CLI::App& app, CommandRunner& run);
void add_fly_command(CLI::App& app, CommandRunner& run);

}  // namespace pgdump2s3::cli
