// Why a libpq connection failed, told as one line a person can act on.
// libpq reports failures only as text (PQerrorMessage), so the cause is read
// from the server's and libpq's standard wording.
#pragma once

#include <string>
#include <string_view>

#include "pg/database_url.h"

namespace pgdump2s3::pg {

enum class ConnectFailure {
  kWrongPassword,     // FATAL: password authentication failed for user "x"
  kNoPassword,        // fe_sendauth: no password supplied
  kUnknownRole,       // FATAL: role "x" does not exist
  kMissingDatabase,   // FATAL: database "x" does not exist
  kNoConnectPrivilege,// FATAL: permission denied for database "x"
  kRejectedClient,    // FATAL: no pg_hba.conf entry for host ...
  kSsl,               // SSL required but unsupported, certificate problems
  kUnknownHost,       // could not translate host name "x" to address
  kRefused,           // Connection refused (nothing listens on that port)
  kNoSocket,          // connection to server on socket "..." failed: No such file or directory
  kTimeout,           // timeout expired (connect_timeout)
  kBadParameter,      // invalid integer value "x" for connection option "port"; invalid port number
  kOther,
};

ConnectFailure classify_connect_failure(std::string_view libpq_message);

// The failures the configuration causes (credentials, names, SSL settings):
// reported as ConfigError; the others (the server is down, unreachable,
// busy) as RuntimeError.
bool is_configuration_failure(ConnectFailure failure);

// "DATABASE_URL (postgresql://app:***@db:5432/app): cannot connect:
// password authentication failed for user "app": check the password ...".
// One line, secrets redacted. `timeout_s` is the connect_timeout in force.
std::string describe_connect_failure(std::string_view libpq_message, const DatabaseUrl& url, int timeout_s);

// Throws ConfigError or RuntimeError with describe_connect_failure's text.
[[noreturn]] void throw_connect_failure(std::string_view libpq_message, const DatabaseUrl& url, int timeout_s);

}  // namespace pgdump2s3::pg
