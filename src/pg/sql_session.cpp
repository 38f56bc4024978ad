#include "pg/sql_session.h"

#include <libpq-fe.h>

#include <cstdlib>

#include "pg/connection_error.h"
#include "util/error.h"
#include "util/log.h"

namespace pgdump2s3::pg {
namespace {

// A conninfo value in single quotes, ' and \ escaped (libpq, "Keyword/Value
// Connection Strings").
std::string quoted(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

// The server's first message line, without the "ERROR:  " prefix.
std::string first_line(const char* message) {
  std::string text = message != nullptr ? message : "";
  text = text.substr(0, text.find('\n'));
  if (text.starts_with("ERROR:  ")) text.erase(0, 8);
  return text;
}

// Server notices (ANALYZE's "skipping pg_database --- only superuser can
// analyze it" for every shared catalog) would otherwise go to stderr as
// libpq prints them: they are debug lines here.
void log_notice(void*, const char* message) {
  std::string text = message != nullptr ? message : "";
  while (!text.empty() && text.back() == '\n') text.pop_back();
  log::debug(text);
}

}  // namespace

void SqlSession::Closer::operator()(pg_conn* conn) const { PQfinish(conn); }

SqlSession::SqlSession(const DatabaseUrl& url, int timeout_s) : where_(url.variable() + " (" + url.redacted() + ")") {
  // Like libpq: the URL's connect_timeout, else PGCONNECT_TIMEOUT, else ours.
  DatabaseUrl::Parameters params = url.connection_parameters();
  const char* from_env = std::getenv("PGCONNECT_TIMEOUT");
  if (std::optional<std::string> from_url = url.option("connect_timeout")) {
    timeout_s = std::atoi(from_url->c_str());
  } else if (from_env != nullptr && *from_env != '\0') {
    timeout_s = std::atoi(from_env);
  } else {
    params.emplace_back("connect_timeout", std::to_string(timeout_s));
  }
  params.emplace_back("fallback_application_name", "pgdump2s3");
  std::vector<const char*> keywords, values;
  for (const auto& [k, v] : params) {
    keywords.push_back(k.c_str());
    values.push_back(v.c_str());
  }
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  // expand_dbname = 0: the parameters are parsed already; a dbname is a name.
  conn_.reset(PQconnectdbParams(keywords.data(), values.data(), 0));
  if (!conn_) throw RuntimeError(where_ + ": cannot connect: out of memory");
  if (PQstatus(conn_.get()) != CONNECTION_OK) throw_connect_failure(PQerrorMessage(conn_.get()), url, timeout_s);
  PQsetNoticeProcessor(conn_.get(), log_notice, nullptr);
}

SqlSession::~SqlSession() = default;

int SqlSession::server_version_num() const { return PQserverVersion(conn_.get()); }

std::string SqlSession::server_version() const {
  const char* version = PQparameterStatus(conn_.get(), "server_version");  // "15.4 (Debian 15.4-1)"
  std::string text = version != nullptr ? version : "";
  return text.substr(0, text.find(' '));
}

std::vector<std::vector<std::string>> SqlSession::query(const std::string& sql, const std::vector<std::string>& params,
                                                        std::string_view what) {
  std::vector<const char*> values;
  for (const std::string& p : params) values.push_back(p.c_str());
  std::unique_ptr<PGresult, decltype(&PQclear)> result(
      PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                   nullptr, 0),
      &PQclear);
  const ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    throw RuntimeError(log::redact(where_ + ": " + std::string(what) + " failed: " +
                                   first_line(PQresultErrorMessage(result.get()))));
  }
  std::vector<std::vector<std::string>> rows;
  for (int r = 0; r < PQntuples(result.get()); ++r) {
    std::vector<std::string>& row = rows.emplace_back();
    for (int c = 0; c < PQnfields(result.get()); ++c) row.emplace_back(PQgetvalue(result.get(), r, c));
  }
  return rows;
}

void SqlSession::execute(const std::string& sql, std::string_view what) {
  std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(conn_.get(), sql.c_str()), &PQclear);
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    throw RuntimeError(log::redact(where_ + ": " + std::string(what) + " failed: " +
                                   first_line(PQresultErrorMessage(result.get()))));
  }
}

std::string SqlSession::quote_identifier(std::string_view name) const {
  std::unique_ptr<char, decltype(&PQfreemem)> escaped(PQescapeIdentifier(conn_.get(), name.data(), name.size()),
                                                       &PQfreemem);
  if (!escaped) throw RuntimeError(where_ + ": cannot quote the name " + std::string(name));
  return escaped.get();
}

DatabaseUrl with_database(const DatabaseUrl& url, std::string_view dbname) {
  std::string conninfo;
  for (const auto& [keyword, value] : url.connection_parameters()) {
    if (keyword == "dbname") continue;
    conninfo += keyword + "=" + quoted(value) + " ";
  }
  conninfo += "dbname=" + quoted(dbname);
  return DatabaseUrl::parse(conninfo, url.variable());
}

}  // namespace pgdump2s3::pg
