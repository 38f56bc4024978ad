// A libpq connection for the few statements pgdump2s3 runs itself around a
// restore: CREATE DATABASE (restore --create, verify's throwaway database),
// ANALYZE after a restore, the counts a test restore reports, DROP DATABASE.
// The restore itself is pg_restore's or psql's work.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pg/database_url.h"

struct pg_conn;  // libpq's PGconn, kept out of this header

namespace pgdump2s3::pg {

class SqlSession {
 public:
  // Connects as `url` says (connect_timeout `timeout_s` unless the URL or
  // PGCONNECT_TIMEOUT sets one). Throws ConfigError or RuntimeError with
  // one line naming url.variable() and the redacted URL (connection_error.h).
  explicit SqlSession(const DatabaseUrl& url, int timeout_s = 10);
  ~SqlSession();
  SqlSession(const SqlSession&) = delete;
  SqlSession& operator=(const SqlSession&) = delete;

  int server_version_num() const;
  std::string server_version() const;  // "15.4"

  // Runs `sql` with text parameters ($1...); every row as strings (NULL as
  // ""). Throws RuntimeError with the server's message, naming `what`.
  std::vector<std::vector<std::string>> query(const std::string& sql, const std::vector<std::string>& params = {},
                                              std::string_view what = "query");
  // A statement without rows (CREATE DATABASE cannot take parameters).
  void execute(const std::string& sql, std::string_view what);
  // "name" quoted as an SQL identifier (PQescapeIdentifier).
  std::string quote_identifier(std::string_view name) const;

 private:
  struct Closer {
    void operator()(pg_conn* conn) const;
  };
  std::unique_ptr<pg_conn, Closer> conn_;
  std::string where_;  // "VARIABLE (redacted URL)", for messages
};

// The same server, user and settings as `url`, database `dbname`: the
// maintenance database a CREATE DATABASE runs in, or a new database.
DatabaseUrl with_database(const DatabaseUrl& url, std::string_view dbname);

}  // namespace pgdump2s3::pg
