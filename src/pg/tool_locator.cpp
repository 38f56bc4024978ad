#include "pg/tool_locator.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "pg/child_process.h"
#include "pg/pg_version.h"
#include "util/error.h"
#include "util/log.h"

namespace pgdump2s3::pg {
namespace {

namespace fs = std::filesystem;

// `--version` answers at once; the limit only guards against a hung binary.
constexpr std::chrono::seconds kVersionTimeout{10};

bool is_executable_file(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec) && access(path.c_str(), X_OK) == 0;
}

// Sub-folders of `root` holding bin/<tool>, sorted by name.
std::vector<fs::path> versioned_candidates(const fs::path& root, std::string_view tool) {
  std::vector<fs::path> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    fs::path candidate = entry.path() / "bin" / tool;
    if (is_executable_file(candidate)) found.push_back(candidate);
  }
  std::sort(found.begin(), found.end());
  return found;
}

// The paths PG_DUMP_PATH designates for `tool`.
std::vector<fs::path> explicit_candidates(const ToolSearch& search, std::string_view tool) {
  fs::path given(search.explicit_path);
  std::error_code ec;
  if (!fs::exists(given, ec)) {
    throw ConfigError(search.explicit_variable + ": " + search.explicit_path + " does not exist");
  }
  if (!fs::is_directory(given, ec)) {
    // A file names pg_dump itself; its siblings are the other tools.
    fs::path candidate = given.filename() == tool ? given : given.parent_path() / tool;
    if (is_executable_file(candidate)) return {candidate};
    throw ConfigError(search.explicit_variable + ": no executable " + std::string(tool) + " at " +
                      candidate.string());
  }
  if (is_executable_file(given / tool)) return {given / tool};
  std::vector<fs::path> found = versioned_candidates(given, tool);
  if (found.empty()) {
    throw ConfigError(search.explicit_variable + ": " + search.explicit_path + " holds no executable " +
                      std::string(tool) + " (neither " + (given / tool).string() + " nor N/bin/" + std::string(tool) +
                      ")");
  }
  return found;
}

std::optional<int> tool_version(const fs::path& path) {
  CapturedOutput r = run_and_capture({path.string(), "--version"}, kVersionTimeout);
  if (!r.status.success()) return std::nullopt;
  return parse_tool_version_output(r.out);
}

std::string describe(const std::vector<FoundTool>& found, std::string_view tool) {
  std::string text;
  for (const FoundTool& t : found) {
    if (!text.empty()) text += ", ";
    text += std::string(tool) + " " + major_version_name(t.version_num) + " (" + t.path + ")";
  }
  return text;
}

}  // namespace

ToolSearch ToolSearch::from_environment(const Environment& env) {
  ToolSearch search;
  search.explicit_path = env.get("PG_DUMP_PATH").value_or("");
  std::string path = env.get("PATH").value_or("");
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t colon = std::min(path.find(':', start), path.size());
    // An empty PATH entry means the current folder: not a place to trust.
    if (colon > start) search.path_dirs.push_back(path.substr(start, colon - start));
    start = colon + 1;
  }
  return search;
}

std::vector<FoundTool> find_tools(std::string_view tool, const ToolSearch& search) {
  std::vector<std::pair<fs::path, bool>> paths;  // (path, from the explicit path)
  if (!search.explicit_path.empty()) {
    for (const fs::path& p : explicit_candidates(search, tool)) paths.emplace_back(p, true);
  }
  for (const std::string& root : search.versioned_roots) {
    for (const fs::path& p : versioned_candidates(root, tool)) paths.emplace_back(p, false);
  }
  for (const std::string& dir : search.path_dirs) {
    fs::path candidate = fs::path(dir) / tool;
    if (is_executable_file(candidate)) paths.emplace_back(candidate, false);
  }

  std::vector<FoundTool> found;
  std::vector<fs::path> seen;  // resolved paths: /usr/bin/X may be a link to a versioned binary
  for (const auto& [path, from_explicit] : paths) {
    std::error_code ec;
    fs::path resolved = fs::canonical(path, ec);
    if (ec) continue;
    if (std::find(seen.begin(), seen.end(), resolved) != seen.end()) continue;
    seen.push_back(resolved);
    std::optional<int> version = tool_version(path);
    if (!version) {
      if (from_explicit) {
        throw ConfigError(search.explicit_variable + ": " + path.string() + " is not a PostgreSQL " +
                          std::string(tool) + " (`--version` gave no PostgreSQL version)");
      }
      log::debug("ignoring " + path.string() + ": `--version` gave no PostgreSQL version");
      continue;
    }
    found.push_back({path.string(), *version, from_explicit});
  }
  return found;
}

std::optional<FoundTool> choose_tool(const std::vector<FoundTool>& found, int server_version_num) {
  int server_major = major_version_num(server_version_num);
  const FoundTool* newest = nullptr;
  for (const FoundTool& t : found) {
    int major = major_version_num(t.version_num);
    if (major == server_major) return t;
    if (major > server_major && (newest == nullptr || t.version_num > newest->version_num)) newest = &t;
  }
  if (newest == nullptr) return std::nullopt;
  return *newest;
}

FoundTool locate_tool(std::string_view tool, int server_version_num, const ToolSearch& search) {
  std::vector<FoundTool> found = find_tools(tool, search);
  std::vector<FoundTool> explicit_found, others;
  for (const FoundTool& t : found) (t.from_explicit_path ? explicit_found : others).push_back(t);

  if (std::optional<FoundTool> chosen = choose_tool(explicit_found, server_version_num)) return *chosen;
  std::optional<FoundTool> chosen = choose_tool(others, server_version_num);
  std::string server = major_version_name(server_version_num);
  if (chosen && !explicit_found.empty()) {
    log::warn(search.explicit_variable + ": " + describe(explicit_found, tool) + " is older than the server (PostgreSQL " +
              server + "); using " + chosen->path);
  }
  if (chosen) return *chosen;

  std::string fix = "install postgresql-client-" + server + " or set " + search.explicit_variable + " to a " +
                    std::string(tool) + " " + server + " or newer";
  if (found.empty()) {
    std::string places = search.explicit_path.empty() ? "" : search.explicit_variable + ", ";
    for (const std::string& root : search.versioned_roots) places += root + "/N/bin, ";
    throw ConfigError(std::string(tool) + " not found (looked in " + places + "PATH): " + fix);
  }
  throw ConfigError(std::string(tool) + " " + server + " or newer not found for the server (PostgreSQL " + server +
                    "): found " + describe(found, tool) + "; " + fix);
}

}  // namespace pgdump2s3::pg
