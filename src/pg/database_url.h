// DATABASE_URL: a PostgreSQL connection target, parsed by libpq itself
// (PQconninfoParse), so that every form libpq accepts works the same here as
// in pg_dump: postgresql:// and postgres:// URLs with percent-encoded parts,
// several hosts, query parameters (sslmode, ...), and key=value conninfo.
//
// The password is split off: it reaches libpq in this process through
// connection_parameters() and child processes through their environment
// (child_environment(): PGPASSWORD), never their argv (`ps` shows argv to
// every user). Logs show redacted().
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgdump2s3::pg {

class DatabaseUrl {
 public:
  using Parameters = std::vector<std::pair<std::string, std::string>>;

  // Parses the value of the setting `variable` (named in errors, e.g.
  // "DATABASE_URL" or "STAGING_DATABASE_URL"). Registers the password with
  // log::add_secret. Throws ConfigError (one line, no password) when `text`
  // is empty, not a PostgreSQL URL or conninfo, or malformed, and when it
  // carries sslpassword, which libpq can take only from the connection
  // string and so would end up in pg_dump's argv.
  static DatabaseUrl parse(std::string_view text, std::string variable = "DATABASE_URL");

  const std::string& variable() const { return variable_; }
  bool has_password() const { return password_.has_value(); }
  // Percent-decoded. Empty when the URL has none (libpq then falls back to
  // PGPASSWORD and the passfile, as pg_dump would).
  const std::string& password() const;
  // A connection keyword other than password ("host", "dbname", "sslmode"...),
  // as given; nullopt when absent.
  std::optional<std::string> option(std::string_view keyword) const;

  // Every parameter, password included, in the order given: for libpq in
  // this process (PQconnectdbParams), never for a child's argv.
  Parameters connection_parameters() const;
  // key='value' conninfo WITHOUT the password, for a child's argv
  // (pg_dump --dbname=...). Keeps sslmode and every other parameter.
  std::string child_conninfo() const;
  // Environment a child needs on top of ours: PGPASSWORD when the URL has a
  // password. (libpq prefers a password from the connection string, then
  // PGPASSWORD, then the passfile, so this is the same one the URL names.)
  std::map<std::string, std::string> child_environment() const;
  // postgresql://user:***@host:5432/db?sslmode=require, for logs and errors.
  const std::string& redacted() const { return redacted_; }

 private:
  std::string variable_;
  Parameters options_;                   // everything but the password
  std::optional<std::string> password_;
  std::string redacted_;
};

}  // namespace pgdump2s3::pg
