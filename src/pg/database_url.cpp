#include "pg/database_url.h"

#include <libpq-fe.h>

#include <algorithm>
#include <memory>
#include <regex>

#include "http/client.h"
#include "util/error.h"
#include "util/log.h"

namespace pgdump2s3::pg {
namespace {

constexpr std::string_view kExpected = "expected postgresql://user:password@host:5432/database";

bool has_postgres_scheme(std::string_view text) {
  // The prefixes libpq recognises (libpq: uri_prefix_length), case-sensitive as there.
  return text.starts_with("postgresql://") || text.starts_with("postgres://");
}

// The input with its password replaced by ***, and the password as written
// there (still percent-encoded or quoted): used before libpq has parsed the
// text, so that an error quoting the input cannot show the password, and to
// register the encoded form as a secret too.
struct MaskedInput {
  std::string text;
  std::vector<std::string> raw_secrets;
};

MaskedInput mask_input(std::string_view input) {
  MaskedInput out{std::string(input), {}};
  auto mask_match = [&](const std::regex& re) {
    std::smatch m;
    std::string rest = out.text;
    std::string result;
    while (std::regex_search(rest, m, re)) {
      out.raw_secrets.push_back(m[2].str());
      result += m.prefix().str() + m[1].str() + "***";
      rest = m.suffix().str();
    }
    out.text = result + rest;
  };
  if (input.find("://") != std::string_view::npos) {
    // userinfo is what lies between "://" and the last '@' of the authority;
    // an unencoded '@' or '/' in the password makes that ambiguous, so take
    // the last '@' before the query string to keep the whole password masked.
    std::size_t start = input.find("://") + 3;
    std::size_t query = input.find('?', start);
    std::size_t at = input.rfind('@', query == std::string_view::npos ? input.size() : query);
    if (at != std::string_view::npos && at > start) {
      std::size_t colon = input.find(':', start);
      if (colon != std::string_view::npos && colon < at) {
        out.raw_secrets.emplace_back(input.substr(colon + 1, at - colon - 1));
        out.text = std::string(input.substr(0, colon + 1)) + "***" + std::string(input.substr(at));
      }
    }
    mask_match(std::regex(R"(([?&](?:ssl)?password=)([^&]*))"));
  } else {
    mask_match(std::regex(R"(((?:^|\s)(?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+))"));
  }
  return out;
}

void replace_all(std::string& text, const std::string& from, std::string_view to) {
  for (std::size_t pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
}

// libpq's parse error with every trace of the password removed. A password
// too short to be replaced safely means the detail is left out.
std::string safe_parse_error(const char* libpq_message, std::string_view input, const MaskedInput& masked) {
  std::string reason = libpq_message != nullptr ? libpq_message : "malformed";
  reason = reason.substr(0, reason.find('\n'));
  replace_all(reason, std::string(input), masked.text);
  for (const std::string& raw : masked.raw_secrets) {
    for (const std::string& secret : {raw, http::uri_decode(raw)}) {
      if (secret.empty() || reason.find(secret) == std::string::npos) continue;
      if (secret.size() < 4) return "malformed";
      replace_all(reason, secret, "***");
    }
  }
  return reason;
}

// A conninfo value in single quotes, with ' and \ escaped by a backslash
// (libpq: "Connection Strings", keyword/value form).
std::string quote_conninfo_value(std::string_view value) {
  std::string out = "'";
  for (char ch : value) {
    if (ch == '\'' || ch == '\\') out.push_back('\\');
    out.push_back(ch);
  }
  out.push_back('\'');
  return out;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t comma = text.find(',', start);
    parts.push_back(text.substr(start, comma - start));
    if (comma == std::string::npos) return parts;
    start = comma + 1;
  }
}

// host[:port] for the URL form: IPv6 addresses in brackets, socket
// directories percent-encoded (libpq reads both back).
std::string url_host(const std::string& host) {
  if (host.find(':') != std::string::npos) return "[" + host + "]";
  return http::uri_encode(host, /*keep_slash=*/false);
}

std::string build_redacted(const DatabaseUrl::Parameters& options, bool has_password) {
  auto get = [&](std::string_view key) -> const std::string* {
    for (const auto& [k, v] : options) {
      if (k == key) return &v;
    }
    return nullptr;
  };
  std::string url = "postgresql://";
  if (const std::string* user = get("user")) url += http::uri_encode(*user, false);
  if (has_password) url += ":***";
  if (get("user") != nullptr || has_password) url += "@";
  if (const std::string* host = get("host")) {
    std::vector<std::string> hosts = split_list(*host);
    std::vector<std::string> ports = get("port") ? split_list(*get("port")) : std::vector<std::string>{};
    for (std::size_t i = 0; i < hosts.size(); ++i) {
      if (i > 0) url += ",";
      url += url_host(hosts[i]);
      // libpq: one port applies to every host; otherwise one port per host.
      const std::string* port = ports.size() == hosts.size() ? &ports[i]
                                : ports.size() == 1          ? &ports[0]
                                                             : nullptr;
      if (port != nullptr && !port->empty()) url += ":" + *port;
    }
  } else if (const std::string* port = get("port")) {
    url += ":" + *port;
  }
  url += "/";
  if (const std::string* dbname = get("dbname")) url += http::uri_encode(*dbname, false);
  char separator = '?';
  for (const auto& [k, v] : options) {
    if (k == "user" || k == "host" || k == "port" || k == "dbname") continue;
    url += separator + k + "=" + http::uri_encode(v, false);
    separator = '&';
  }
  return url;
}

}  // namespace

DatabaseUrl DatabaseUrl::parse(std::string_view text, std::string variable) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    throw ConfigError(variable + " is empty (" + std::string(kExpected) + ")");
  }
  MaskedInput masked = mask_input(text);
  std::size_t scheme_end = text.find("://");
  bool looks_like_url = scheme_end != std::string_view::npos && text.substr(0, scheme_end).find_first_of("= ") ==
                                                                     std::string_view::npos;
  if (looks_like_url && !has_postgres_scheme(text)) {
    throw ConfigError(variable + ": " + masked.text + " is not a PostgreSQL URL (" + std::string(kExpected) + ")");
  }
  if (looks_like_url) {
    // libpq ends the user:password part at the first '@' and the host at the
    // first '/' (RFC 3986): a password holding '@', '/', '?' or '#' unencoded
    // makes its tail a host or a database name, which messages would then
    // show. Refused without echoing anything of it.
    std::string_view rest = text.substr(scheme_end + 3);
    std::size_t last_at = rest.rfind('@');
    if (last_at != std::string_view::npos &&
        rest.substr(0, last_at).find_first_of("@/?#") != std::string_view::npos) {
      throw ConfigError(variable + ": the user or password holds characters that must be percent-encoded in a URL: "
                        "write @ as %40, / as %2F, ? as %3F, # as %23, : as %3A and % as %25");
    }
  }
  if (!looks_like_url && text.find('=') == std::string_view::npos) {
    // Not echoed: text that is neither form might be anything, a password included.
    throw ConfigError(variable + " is neither a PostgreSQL URL nor a key=value connection string (" +
                      std::string(kExpected) + ")");
  }

  std::string input(text);
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> parsed(PQconninfoParse(input.c_str(), &error),
                                                                       &PQconninfoFree);
  if (!parsed) {
    std::string reason = safe_parse_error(error, text, masked);
    PQfreemem(error);
    throw ConfigError(variable + ": " + (looks_like_url ? "invalid PostgreSQL URL " : "invalid connection string ") +
                      masked.text + ": " + reason);
  }

  DatabaseUrl url;
  url.variable_ = std::move(variable);
  // PQconninfoParse returns only the parameters given (no defaults), in
  // libpq's keyword order.
  for (const PQconninfoOption* o = parsed.get(); o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    std::string keyword = o->keyword;
    if (keyword == "password") {
      url.password_ = o->val;
    } else if (keyword == "sslpassword") {
      throw ConfigError(url.variable_ + ": " + masked.text +
                        " sets sslpassword, which would reach pg_dump's command line: use a client key "
                        "without a passphrase (mode 0600) instead");
    } else if (keyword == "dbname" && (std::string_view(o->val).find('=') != std::string_view::npos ||
                                       has_postgres_scheme(o->val))) {
      // libpq would expand such a dbname into a connection string of its own
      // (expand_dbname), password and all, on a child's command line.
      throw ConfigError(url.variable_ + ": " + masked.text +
                        " has a connection string as its dbname: give the parameters directly");
    } else {
      url.options_.emplace_back(std::move(keyword), o->val);
    }
  }
  if (url.password_) log::add_secret(*url.password_);
  for (const std::string& raw : masked.raw_secrets) log::add_secret(raw);
  url.redacted_ = build_redacted(url.options_, url.password_.has_value());
  return url;
}

const std::string& DatabaseUrl::password() const {
  static const std::string kNone;
  return password_ ? *password_ : kNone;
}

std::optional<std::string> DatabaseUrl::option(std::string_view keyword) const {
  for (const auto& [k, v] : options_) {
    if (k == keyword) return v;
  }
  return std::nullopt;
}

DatabaseUrl::Parameters DatabaseUrl::connection_parameters() const {
  Parameters all = options_;
  if (password_) all.emplace_back("password", *password_);
  return all;
}

std::string DatabaseUrl::child_conninfo() const {
  std::string conninfo;
  for (const auto& [k, v] : options_) {
    if (!conninfo.empty()) conninfo += ' ';
    conninfo += k + "=" + quote_conninfo_value(v);
  }
  return conninfo;
}

std::map<std::string, std::string> DatabaseUrl::child_environment() const {
  if (!password_) return {};
  return {{"PGPASSWORD", *password_}};
}

}  // namespace pgdump2s3::pg
