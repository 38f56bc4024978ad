// The CLI contract: --help, --version, one line and exit 2 for what is unknown.
#include <gtest/gtest.h>

#include "support/process.h"

namespace pgdump2s3::testing {
namespace {

TEST(Cli, HelpListsEveryCommandAndExitCodes) {
  CommandResult r = run_command({PGDUMP2S3_BINARY, "--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* cmd : {"backup", "restore", "verify", "list", "prune", "fly"}) {
    EXPECT_NE(r.out.find(cmd), std::string::npos) << cmd;
  }
  EXPECT_NE(r.out.find("Exit codes"), std::string::npos);
}

TEST(Cli, VersionPrintsTheVersion) {
  CommandResult r = run_command({PGDUMP2S3_BINARY, "--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_FALSE(r.out.empty());
}

TEST(Cli, EveryCommandHasHelp) {
  for (const char* cmd : {"backup", "restore", "verify", "list", "prune", "fly"}) {
    CommandResult r = run_command({PGDUMP2S3_BINARY, cmd, "--help"});
    EXPECT_EQ(r.exit_code, 0) << cmd;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << cmd;
  }
}

TEST(Cli, UnknownCommandIsOneLineAndExit2) {
  CommandResult r = run_command({PGDUMP2S3_BINARY, "frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("frobnicate"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(Cli, UnknownFlagIsOneLineAndExit2) {
  CommandResult r = run_command({PGDUMP2S3_BINARY, "--no-such-flag"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--no-such-flag"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

}  // namespace
}  // namespace pgdump2s3::testing
