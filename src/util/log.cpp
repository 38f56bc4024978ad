#include "util/log.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace pgdump2s3::log {
namespace {

struct State {
  std::mutex mutex;
  Format format = Format::kPlain;
  Level min_level = Level::kInfo;
  std::vector<std::string> secrets;
};

State& state() {
  static State s;
  return s;
}

const char* level_name(Level level) {
  switch (level) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}

std::string redact_locked(std::string_view text, const std::vector<std::string>& secrets) {
  std::string out(text);
  for (const std::string& secret : secrets) {
    for (std::size_t pos = out.find(secret); pos != std::string::npos;
         pos = out.find(secret, pos + 3)) {
      out.replace(pos, secret.size(), "***");
    }
  }
  return out;
}

std::string utc_now_iso8601() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[40];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms.count()));
  return out;
}

}  // namespace

void set_format(Format format) {
  std::lock_guard lock(state().mutex);
  state().format = format;
}

Format format() {
  std::lock_guard lock(state().mutex);
  return state().format;
}

void set_min_level(Level level) {
  std::lock_guard lock(state().mutex);
  state().min_level = level;
}

void add_secret(std::string_view secret) {
  if (secret.size() < 4) return;
  std::lock_guard lock(state().mutex);
  for (const auto& s : state().secrets) {
    if (s == secret) return;
  }
  state().secrets.emplace_back(secret);
}

std::string redact(std::string_view text) {
  std::lock_guard lock(state().mutex);
  return redact_locked(text, state().secrets);
}

void write(Level level, std::string_view message, const Fields& fields) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  if (level < s.min_level) return;
  std::string line;
  if (s.format == Format::kJson) {
    nlohmann::json j;
    j["time"] = utc_now_iso8601();
    j["level"] = level_name(level);
    j["message"] = redact_locked(message, s.secrets);
    for (const auto& [k, v] : fields) j[k] = redact_locked(v, s.secrets);
    line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    line = "pgdump2s3: ";
    if (level == Level::kWarn) line += "warning: ";
    if (level == Level::kError) line += "error: ";
    line += redact_locked(message, s.secrets);
    for (const auto& [k, v] : fields) {
      line += ' ';
      line += k;
      line += '=';
      line += redact_locked(v, s.secrets);
    }
  }
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace pgdump2s3::log
