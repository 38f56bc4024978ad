// CREATE DATABASE and DROP DATABASE for a restore's target: restore
// --create, and verify's throwaway database. Both run connected to the
// server's maintenance database, as createdb(1) and dropdb(1) do.
#pragma once

#include <string>

#include "pg/database_url.h"

namespace pgdump2s3::pipeline {

// Creates database `name` on the server of `server` (as its user, who then
// owns it) and returns the server's version number. Throws ConfigError when
// it exists already, or the user may not create databases.
int create_database(const pg::DatabaseUrl& server, const std::string& name);

// Drops database `name` on the server of `server`, closing any session
// still connected to it (WITH (FORCE), PostgreSQL 13 and later).
void drop_database(const pg::DatabaseUrl& server, const std::string& name);

}  // namespace pgdump2s3::pipeline
