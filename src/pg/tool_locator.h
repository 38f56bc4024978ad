// Finds the pg_dump / pg_restore / psql that matches the server.
//
// pg_dump refuses a server newer than itself ("aborting because of server
// version mismatch") and dumps older servers fine; Debian installs one
// client per major version side by side under /usr/lib/postgresql/N/bin.
// So: the tool whose major version equals the server's, else the newest one
// that is newer; a server newer than every tool found is a ConfigError that
// names what was found and the package to install.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/env.h"

namespace pgdump2s3::pg {

// Where to look, in order of preference. Injectable so that tests can point
// it at fake version folders.
struct ToolSearch {
  // PG_DUMP_PATH: a tool file (the other tools are looked up beside it), a
  // bin folder, or a folder of N/bin folders. Empty when unset. A usable tool
  // here wins over the others; when every one here is too old, the others
  // are used with a warning.
  std::string explicit_path;
  std::string explicit_variable = "PG_DUMP_PATH";  // named in messages
  // Folders holding one N/bin folder per major version (Debian layout).
  std::vector<std::string> versioned_roots = {"/usr/lib/postgresql"};
  // The PATH entries, searched last (on Debian /usr/bin/pg_dump is
  // pg_wrapper, whose choice of version depends on local clusters).
  std::vector<std::string> path_dirs;

  // PG_DUMP_PATH and PATH from `env`, the Debian root.
  static ToolSearch from_environment(const Environment& env);
};

struct FoundTool {
  std::string path;     // as found (not resolved: pg_wrapper dispatches on its name)
  int version_num = 0;  // from `<path> --version`, e.g. 150020
  bool from_explicit_path = false;
};

// Every `tool` ("pg_dump", "pg_restore", "psql") in `search`, with the
// version each reports, best preference first, each binary once. Throws
// ConfigError when the explicit path does not exist or is not that tool.
std::vector<FoundTool> find_tools(std::string_view tool, const ToolSearch& search);

// The choice among `found` for a server of `server_version_num`: the first
// with the same major version, else the newest newer one; nullopt when the
// server is newer than all of them.
std::optional<FoundTool> choose_tool(const std::vector<FoundTool>& found, int server_version_num);

// find_tools + choose_tool, preferring the explicit path. Throws ConfigError
// when nothing fits, e.g. "pg_dump 17 or newer not found for the server
// (PostgreSQL 17): found pg_dump 15 (/usr/lib/postgresql/15/bin/pg_dump);
// install postgresql-client-17 or set PG_DUMP_PATH to it".
FoundTool locate_tool(std::string_view tool, int server_version_num, const ToolSearch& search);

}  // namespace pgdump2s3::pg
