// The checks made with libpq before a backup starts (docs/DESIGN.md: "every
// input is checked before anything is uploaded"): the database answers, the
// credentials work, the server version (to pick pg_dump), the size (to size
// upload parts), and the role can read everything pg_dump will read.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pg/database_url.h"
#include "pg/dump_arguments.h"

namespace pgdump2s3::pg {

struct PreflightOptions {
  // connect_timeout in seconds, unless the URL or PGCONNECT_TIMEOUT sets one.
  int connect_timeout_s = 10;
  // What pg_dump will dump (see DumpArguments): schemas by name (empty: all
  // but the system ones), schemas excluded by name.
  std::vector<std::string> schemas;
  std::vector<std::string> excluded_schemas;
  // Unreadable tables fail the preflight; false when the dump selects tables
  // by pattern (then pg_dump may not need them all): only a warning.
  bool missing_privileges_are_errors = true;
  // pg_dump --enable-row-security: row-level security then only filters rows.
  bool enable_row_security = false;

  static PreflightOptions for_dump(const DumpArguments& dump);
};

struct PreflightResult {
  int server_version_num = 0;   // e.g. 150004
  std::string server_version;   // e.g. "15.4"
  std::string database;         // current_database()
  std::string user;             // current_user
  std::int64_t database_size_bytes = 0;  // pg_database_size: the on-disk size, an upper bound for the dump
  // One line each, for the caller to log: unreadable large objects, objects
  // of other roles readable only through grants, unreadable tables when
  // missing_privileges_are_errors is false.
  std::vector<std::string> warnings;
};

// Connects, reads the server's facts and checks privileges. Throws
// ConfigError for what configuration can fix (wrong password, missing
// database or role, missing privileges: the message names the first few
// tables and the GRANT that fixes it) and RuntimeError for the rest (server
// down, refused, timed out). Every message is one line naming the variable
// and the redacted URL.
PreflightResult preflight(const DatabaseUrl& url, const PreflightOptions& options = {});

}  // namespace pgdump2s3::pg
