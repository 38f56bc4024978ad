#include "pg/connection_error.h"

#include <regex>

#include "util/error.h"
#include "util/log.h"

namespace pgdump2s3::pg {
namespace {

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

// The first `"..."` after `marker`, or "".
std::string quoted_after(std::string_view text, std::string_view marker) {
  std::size_t at = text.find(marker);
  if (at == std::string_view::npos) return "";
  std::size_t open = text.find('"', at + marker.size());
  if (open == std::string_view::npos) return "";
  std::size_t close = text.find('"', open + 1);
  if (close == std::string_view::npos) return "";
  return std::string(text.substr(open + 1, close - open - 1));
}

// The line of libpq's message that says what went wrong, without the
// "connection to server at ... failed: " prefix and the severity.
std::string reason_line(std::string_view message) {
  std::string text(message);
  static const std::regex kPrefix(R"(^connection to server (at|on) .*? failed: )");
  std::string first;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t nl = text.find('\n', start);
    std::string line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    start = nl == std::string::npos ? text.size() : nl + 1;
    line = std::regex_replace(line, kPrefix, "");
    for (std::string_view severity : {"FATAL:  ", "ERROR:  ", "FATAL: ", "ERROR: "}) {
      if (line.starts_with(severity)) line.erase(0, severity.size());
    }
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.pop_back();
    std::size_t lead = line.find_first_not_of(" \t");
    if (lead == std::string::npos) continue;
    first = line.substr(lead);
    break;
  }
  return first.empty() ? "unknown error" : first;
}

// "host:port" from libpq's `connection to server at "host" (addr), port N failed`.
std::string server_address(std::string_view message, const DatabaseUrl& url) {
  static const std::regex kAt(R"re(connection to server at "([^"]+)"(?: \(([^)]+)\))?, port (\d+) failed)re");
  std::match_results<std::string_view::const_iterator> m;
  if (std::regex_search(message.begin(), message.end(), m, kAt)) {
    return m[1].str() + ":" + m[3].str();
  }
  return url.option("host").value_or("localhost") + ":" + url.option("port").value_or("5432");
}

}  // namespace

ConnectFailure classify_connect_failure(std::string_view m) {
  if (contains(m, "password authentication failed")) return ConnectFailure::kWrongPassword;
  if (contains(m, "no password supplied")) return ConnectFailure::kNoPassword;
  if (contains(m, "role \"") && contains(m, "\" does not exist")) return ConnectFailure::kUnknownRole;
  if (contains(m, "database \"") && contains(m, "\" does not exist")) return ConnectFailure::kMissingDatabase;
  if (contains(m, "permission denied for database")) return ConnectFailure::kNoConnectPrivilege;
  if (contains(m, "no pg_hba.conf entry") || contains(m, "pg_hba.conf rejects")) return ConnectFailure::kRejectedClient;
  if (contains(m, "SSL") || contains(m, "certificate")) return ConnectFailure::kSsl;
  if (contains(m, "could not translate host name")) return ConnectFailure::kUnknownHost;
  if (contains(m, "Connection refused")) return ConnectFailure::kRefused;
  if (contains(m, "on socket \"") && contains(m, "No such file or directory")) return ConnectFailure::kNoSocket;
  if (contains(m, "timeout expired")) return ConnectFailure::kTimeout;
  if (contains(m, "invalid integer value") || contains(m, "invalid port number") ||
      contains(m, "invalid sslmode value") || contains(m, "invalid connection option")) {
    return ConnectFailure::kBadParameter;
  }
  return ConnectFailure::kOther;
}

bool is_configuration_failure(ConnectFailure failure) {
  switch (failure) {
    case ConnectFailure::kWrongPassword:
    case ConnectFailure::kNoPassword:
    case ConnectFailure::kUnknownRole:
    case ConnectFailure::kMissingDatabase:
    case ConnectFailure::kNoConnectPrivilege:
    case ConnectFailure::kRejectedClient:
    case ConnectFailure::kSsl:
    case ConnectFailure::kUnknownHost:
    case ConnectFailure::kBadParameter: return true;
    default: return false;
  }
}

std::string describe_connect_failure(std::string_view message, const DatabaseUrl& url, int timeout_s) {
  const std::string& var = url.variable();
  std::string what;
  switch (classify_connect_failure(message)) {
    case ConnectFailure::kWrongPassword:
      what = "password authentication failed for user \"" + quoted_after(message, "for user") +
             "\": check the password in " + var + " (percent-encode @ : / % # ? and spaces in it)";
      break;
    case ConnectFailure::kNoPassword:
      what = "the server asks for a password and " + var +
             " has none: add it (postgresql://user:password@host:5432/database)";
      break;
    case ConnectFailure::kUnknownRole:
      what = "role \"" + quoted_after(message, "role") + "\" does not exist: check the user name in " + var;
      break;
    case ConnectFailure::kMissingDatabase:
      what = "database \"" + quoted_after(message, "database") + "\" does not exist on the server: check the "
             "database name at the end of " + var;
      break;
    case ConnectFailure::kNoConnectPrivilege:
      what = "the role may not connect to database \"" + quoted_after(message, "for database") +
             "\": GRANT CONNECT ON DATABASE to it";
      break;
    case ConnectFailure::kRejectedClient:
      what = "the server does not accept this client (" + reason_line(message) +
             "): allow it in pg_hba.conf, or check sslmode in " + var;
      break;
    case ConnectFailure::kSsl:
      what = "SSL failed (" + reason_line(message) + "): check sslmode, sslrootcert and the server's TLS setup";
      break;
    case ConnectFailure::kUnknownHost:
      what = "unknown host \"" + quoted_after(message, "host name") + "\": check the host name in " + var;
      break;
    case ConnectFailure::kRefused:
      what = "connection refused by " + server_address(message, url) +
             ": is PostgreSQL running there and listening on that port?";
      break;
    case ConnectFailure::kNoSocket:
      what = "no PostgreSQL socket at \"" + quoted_after(message, "on socket") +
             "\": is the server running locally, or should " + var + " name a host?";
      break;
    case ConnectFailure::kTimeout:
      what = "no answer from " + server_address(message, url) + " within " + std::to_string(timeout_s) +
             " s (connect_timeout): check the host, the port and the firewall";
      break;
    case ConnectFailure::kBadParameter:
      what = reason_line(message) + ": fix it in " + var;
      break;
    case ConnectFailure::kOther: what = reason_line(message); break;
  }
  return log::redact(var + " (" + url.redacted() + "): cannot connect: " + what);
}

void throw_connect_failure(std::string_view message, const DatabaseUrl& url, int timeout_s) {
  std::string text = describe_connect_failure(message, url, timeout_s);
  if (is_configuration_failure(classify_connect_failure(message))) throw ConfigError(text);
  throw RuntimeError(text);
}

}  // namespace pgdump2s3::pg
