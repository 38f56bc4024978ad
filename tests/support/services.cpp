#include "support/services.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace pgdump2s3::testing {

std::string required_env(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (v == nullptr || *v == '\0') {
    ADD_FAILURE() << name << " is not set: is the test service fixture running? "
                  << "(run through ctest, or export the variables of tests/services/*)";
    return {};
  }
  return v;
}

namespace {
S3Service s3_from(const std::string& prefix) {
  S3Service s;
  s.endpoint = required_env(prefix + "_ENDPOINT");
  s.access_key = required_env(prefix + "_ACCESS_KEY");
  s.secret_key = required_env(prefix + "_SECRET_KEY");
  s.bucket = required_env(prefix + "_BUCKET");
  s.region = required_env(prefix + "_REGION");
  return s;
}
}  // namespace

S3Service s3gate() { return s3_from("PGDUMP2S3_TEST_S3GATE"); }
S3Service rgw() { return s3_from("PGDUMP2S3_TEST_RGW"); }

PostgresService postgres() {
  PostgresService p;
  p.host = required_env("PGDUMP2S3_TEST_PG_HOST");
  p.port = std::atoi(required_env("PGDUMP2S3_TEST_PG_PORT").c_str());
  p.socket_dir = required_env("PGDUMP2S3_TEST_PG_SOCKET_DIR");
  p.superuser = required_env("PGDUMP2S3_TEST_PG_SUPERUSER");
  p.user = required_env("PGDUMP2S3_TEST_PG_USER");
  p.password = required_env("PGDUMP2S3_TEST_PG_PASSWORD");
  return p;
}

std::string PostgresService::url(const std::string& dbname) const {
  return "postgresql://" + user + ":" + password + "@" + host + ":" + std::to_string(port) + "/" + dbname;
}

std::string PostgresService::superuser_conninfo(const std::string& dbname) const {
  return "host=" + socket_dir + " port=" + std::to_string(port) + " user=" + superuser +
         " dbname=" + dbname;
}

void load_service_env_files() {
  const char* dir = std::getenv("PGDUMP2S3_TEST_SERVICES_DIR");
  if (dir == nullptr || !std::filesystem::is_directory(dir)) return;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".env") continue;
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line)) {
      auto eq = line.find('=');
      if (line.empty() || line[0] == '#' || eq == std::string::npos) continue;
      std::string name = line.substr(0, eq);
      if (name.starts_with("export ")) name = name.substr(7);
      setenv(name.c_str(), line.substr(eq + 1).c_str(), /*overwrite=*/0);
    }
  }
}

}  // namespace pgdump2s3::testing
