#include "s3/credentials.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <cstdio>
#include <ctime>

#include "util/error.h"
#include "util/log.h"

namespace pgdump2s3::s3 {

void register_secrets(const Credentials& credentials) {
  log::add_secret(credentials.secret_access_key);
  log::add_secret(credentials.session_token);
}

std::optional<std::chrono::system_clock::time_point> parse_aws_timestamp(std::string_view text) {
  // ISO 8601 as AWS writes it: "2024-06-19T12:00:00Z", sometimes with
  // milliseconds, and "+00:00" instead of "Z" from some container agents.
  std::string s(text);
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &consumed) != 6) {
    return std::nullopt;
  }
  std::string_view rest = std::string_view(s).substr(static_cast<std::size_t>(consumed));
  if (!rest.empty() && rest.front() == '.') {
    rest.remove_prefix(1);
    while (!rest.empty() && std::isdigit(static_cast<unsigned char>(rest.front()))) rest.remove_prefix(1);
  }
  long offset_s = 0;
  if (rest == "Z" || rest.empty()) {
    offset_s = 0;
  } else if ((rest.front() == '+' || rest.front() == '-') && rest.size() == 6 && rest[3] == ':') {
    int hours = 0, minutes = 0;
    if (std::sscanf(std::string(rest.substr(1)).c_str(), "%2d:%2d", &hours, &minutes) != 2) return std::nullopt;
    offset_s = (rest.front() == '+' ? 1 : -1) * (hours * 3600L + minutes * 60L);
  } else {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  std::time_t utc = timegm(&tm);
  if (utc == static_cast<std::time_t>(-1)) return std::nullopt;
  return std::chrono::system_clock::from_time_t(utc - offset_s);
}

Credentials parse_credentials_json(std::string_view body, const std::string& origin) {
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) throw RuntimeError(origin + " answered with something that is not a JSON object");
  auto field = [&](const char* name) -> std::string {
    auto it = doc.find(name);
    if (it == doc.end() || !it->is_string() || it->get<std::string>().empty()) {
      throw RuntimeError(origin + " answered without " + name);
    }
    return it->get<std::string>();
  };
  Credentials credentials;
  credentials.access_key_id = field("AccessKeyId");
  credentials.secret_access_key = field("SecretAccessKey");
  credentials.session_token = field("Token");
  // Register before anything below can put the document into an error.
  register_secrets(credentials);
  std::string expiration = field("Expiration");
  credentials.expiration = parse_aws_timestamp(expiration);
  if (!credentials.expiration) {
    throw RuntimeError(origin + " answered with an Expiration that is not a timestamp: " + expiration);
  }
  return credentials;
}

}  // namespace pgdump2s3::s3
