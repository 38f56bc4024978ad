#include "pipeline/restore_database.h"

#include "pg/sql_session.h"
#include "pipeline/restore_run.h"
#include "util/error.h"
#include "util/log.h"

namespace pgdump2s3::pipeline {

int create_database(const pg::DatabaseUrl& server, const std::string& name) {
  const pg::DatabaseUrl maintenance = pg::with_database(server, kMaintenanceDatabase);
  pg::SqlSession session(maintenance);
  auto rows = session.query(
      "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1), "
      "(SELECT rolcreatedb OR rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user)",
      {name}, "checking the database");
  const std::string where = server.variable() + " (" + server.redacted() + "): ";
  if (rows.at(0).at(0) == "t") {
    throw ConfigError(where + "database " + name + " exists already: restore into it without --create (with "
                      "--clean to drop the dump's objects first), or drop it first");
  }
  if (rows.at(0).at(1) != "t") {
    throw ConfigError(where + "the user may not create databases: ALTER ROLE ... CREATEDB, or create " + name +
                      " first and restore without --create");
  }
  session.execute("CREATE DATABASE " + session.quote_identifier(name), "CREATE DATABASE");
  log::info("created database " + name + " on " + maintenance.redacted());
  return session.server_version_num();
}

void drop_database(const pg::DatabaseUrl& server, const std::string& name) {
  pg::SqlSession session(pg::with_database(server, kMaintenanceDatabase));
  std::string sql = "DROP DATABASE IF EXISTS " + session.quote_identifier(name);
  if (session.server_version_num() >= 130000) sql += " WITH (FORCE)";
  session.execute(sql, "DROP DATABASE");
}

}  // namespace pgdump2s3::pipeline
