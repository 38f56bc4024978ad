// Where the test services are: read from the environment, which the test
// main fills from the fixtures' NAME.env files (tests/services/*).
#pragma once

#include <string>

namespace pgdump2s3::testing {

// A variable from the environment; fails the current test (GTEST_SKIP is
// never used: a missing service is a broken test setup) when it is unset.
std::string required_env(const std::string& name);

struct S3Service {
  std::string endpoint;    // http://127.0.0.1:PORT (path-style)
  std::string access_key;
  std::string secret_key;
  std::string bucket;      // exists already
  std::string region;
};

// s3rver behind the strict s3gate (fixture "s3gate"). The gate's admin API
// is on the same endpoint (support/gate_admin.h).
S3Service s3gate();
// The real Ceph RADOS Gateway from shared/tools/rgw-local (fixture "rgw").
S3Service rgw();

struct PostgresService {
  std::string host;          // 127.0.0.1
  int port = 0;
  std::string socket_dir;    // superuser access over the unix socket
  std::string superuser;     // trust auth on the socket
  std::string user;          // password-authenticated over TCP
  std::string password;
  // Connection URL for `user` over TCP to database `dbname`.
  std::string url(const std::string& dbname) const;
  // key=value conninfo for the superuser over the socket.
  std::string superuser_conninfo(const std::string& dbname) const;
};

// The throwaway PostgreSQL 15 cluster (fixture "postgres").
PostgresService postgres();

// Loads every NAME.env in $PGDUMP2S3_TEST_SERVICES_DIR into the process
// environment without overriding variables already set. Called by main().
void load_service_env_files();

}  // namespace pgdump2s3::testing
