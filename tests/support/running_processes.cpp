#include "support/running_processes.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace pgdump2s3::testing {
namespace {

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// /proc/PID/stat: "PID (COMM) STATE PPID ..."; COMM may hold spaces and ')'.
pid_t parent_from_stat(const std::string& stat) {
  auto close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(stat.substr(close + 1));
  std::string state;
  pid_t parent = 0;
  rest >> state >> parent;
  return parent;
}

}  // namespace

std::string RunningProcess::command_line() const {
  std::string out;
  for (const std::string& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

std::vector<RunningProcess> running_processes() {
  std::vector<RunningProcess> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string pid_text = entry.path().filename().string();
    if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos) continue;
    RunningProcess p;
    p.pid = static_cast<pid_t>(std::atoi(pid_text.c_str()));
    std::string stat = slurp(entry.path() / "stat");
    if (stat.empty()) continue;  // gone meanwhile
    p.parent = parent_from_stat(stat);
    p.name = slurp(entry.path() / "comm");
    if (!p.name.empty() && p.name.back() == '\n') p.name.pop_back();
    std::string cmdline = slurp(entry.path() / "cmdline");
    for (std::size_t start = 0; start < cmdline.size();) {
      std::size_t end = cmdline.find('\0', start);
      if (end == std::string::npos) end = cmdline.size();
      p.argv.push_back(cmdline.substr(start, end - start));
      start = end + 1;
    }
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<RunningProcess> processes_mentioning(const std::string& text) {
  std::vector<RunningProcess> out;
  for (RunningProcess& p : running_processes()) {
    if (p.command_line().find(text) != std::string::npos) out.push_back(std::move(p));
  }
  return out;
}

}  // namespace pgdump2s3::testing
