#include "cli/destination.h"

#include <ctime>

#include "util/error.h"

namespace pgdump2s3::cli {
namespace {

constexpr std::string_view kPlaceholders[] = {"timestamp", "date", "time", "name", "db"};

[[noreturn]] void fail(std::string_view variable, std::string_view value, const std::string& why) {
  throw ConfigError(std::string(variable) + "=" + std::string(value) + ": " + why);
}

// S3 bucket naming rules (AWS: "Bucket naming rules"): 3-63 characters of
// lower-case letters, digits, dots and hyphens. S3-compatible stores are
// laxer (upper case, underscores), so only what can never work is refused.
bool plausible_bucket(std::string_view b) {
  if (b.empty() || b.size() > 255) return false;
  for (char c : b) {
    if (c == '/' || c == ' ' || c == '?' || c == '#' || c == '\\') return false;
  }
  return true;
}

}  // namespace

bool Destination::is_template() const { return key_template.find('{') != std::string::npos; }

Destination parse_destination(std::string_view text, std::string_view variable) {
  const std::string_view example = "write it as s3://BUCKET/KEY, e.g. s3://my-backups/db.dump.gz";
  if (text.empty()) throw ConfigError(std::string(variable) + " is not set: " + std::string(example));
  if (text.starts_with("http://") || text.starts_with("https://")) {
    fail(variable, text,
         "an http(s) URL is not a destination: " + std::string(example) +
             ", and set AWS_ENDPOINT_URL_S3 for a custom S3 endpoint");
  }
  if (!text.starts_with("s3://")) fail(variable, text, "not an s3:// URL: " + std::string(example));
  std::string_view rest = text.substr(5);
  auto slash = rest.find('/');
  std::string_view bucket = rest.substr(0, slash);
  if (bucket.empty()) fail(variable, text, "no bucket: " + std::string(example));
  if (!plausible_bucket(bucket)) fail(variable, text, "'" + std::string(bucket) + "' is not a valid bucket name");
  if (slash == std::string_view::npos || slash + 1 == rest.size()) {
    fail(variable, text, "no object key after the bucket: " + std::string(example));
  }
  std::string_view key = rest.substr(slash + 1);
  if (key.back() == '/') {
    fail(variable, text,
         "the key ends with '/', which names a folder, not an object: add a file name, e.g. " +
             std::string(text) + "{timestamp}.dump.gz");
  }
  // Every {placeholder} must be known, and braces must pair up.
  for (std::size_t open = key.find('{'); open != std::string_view::npos; open = key.find('{', open + 1)) {
    auto close = key.find('}', open);
    if (close == std::string_view::npos) fail(variable, text, "a '{' in the key is never closed");
    std::string_view name = key.substr(open + 1, close - open - 1);
    bool known = false;
    for (std::string_view p : kPlaceholders) known = known || p == name;
    if (!known) {
      fail(variable, text,
           "unknown placeholder {" + std::string(name) + "}; known: " + std::string(kKeyPlaceholders));
    }
  }
  if (key.find('}') != std::string_view::npos && key.find('{') == std::string_view::npos) {
    fail(variable, text, "a '}' in the key has no '{'");
  }
  return Destination{std::string(bucket), std::string(key)};
}

std::string expand_key(const std::string& key_template, const KeyValues& values) {
  std::time_t t = std::chrono::system_clock::to_time_t(values.time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char timestamp[32], date[16], time_of_day[16];
  std::strftime(timestamp, sizeof timestamp, "%Y%m%dT%H%M%SZ", &tm);
  std::strftime(date, sizeof date, "%Y-%m-%d", &tm);
  std::strftime(time_of_day, sizeof time_of_day, "%H%M%S", &tm);
  std::string out;
  for (std::size_t i = 0; i < key_template.size(); ++i) {
    if (key_template[i] != '{') {
      out.push_back(key_template[i]);
      continue;
    }
    auto close = key_template.find('}', i);
    std::string name = key_template.substr(i + 1, close - i - 1);
    if (name == "timestamp") out += timestamp;
    else if (name == "date") out += date;
    else if (name == "time") out += time_of_day;
    else if (name == "name") out += values.name;
    else if (name == "db") out += values.db;
    i = close;
  }
  return out;
}

}  // namespace pgdump2s3::cli
