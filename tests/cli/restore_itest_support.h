// Helpers of the restore, verify, list and prune integration tests: run the
// binary as a user would (tool_env.h), make backups with it, and look at S3
// with the AWS CLI.
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

#include "support/gate_admin.h"
#include "support/process.h"
#include "support/s3_objects.h"
#include "support/scratch_database.h"
#include "support/services.h"
#include "support/tool_env.h"

namespace pgdump2s3::restore_itest {

using testing::CommandOptions;
using testing::CommandResult;
using testing::S3Service;

// `pgdump2s3 ARGS...` against `s3`, with `env` on top of a clean environment.
inline CommandResult run_tool(const S3Service& s3, const std::vector<std::string>& args,
                              const std::map<std::string, std::string>& env = {}) {
  CommandOptions o = testing::tool_options(s3);
  for (const auto& [k, v] : env) o.env[k] = v;
  std::vector<std::string> argv = {PGDUMP2S3_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return testing::run_command(argv, o);
}

inline std::string url(const S3Service& s3, const std::string& key) { return "s3://" + s3.bucket + "/" + key; }

// A backup of `db` to KEY made by `pgdump2s3 backup` (its suffix picks the
// format and compression).
inline void backup(const S3Service& s3, const testing::ScratchDatabase& db, const std::string& key) {
  CommandResult r = run_tool(s3, {"backup", "--quiet"}, {{"DATABASE_URL", db.url()}, {"S3_DESTINATION", url(s3, key)}});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
}

inline void upload(const S3Service& s3, const std::string& file, const std::string& key) {
  CommandResult r = testing::aws_cli(s3, {"s3", "cp", "--only-show-errors", file, url(s3, key)});
  ASSERT_EQ(r.exit_code, 0) << "aws s3 cp to " << key << "\n" << r.err;
}

inline void remove(const S3Service& s3, const std::string& key) {
  CommandResult r = testing::aws_cli(s3, {"s3", "rm", "--only-show-errors", url(s3, key)});
  ASSERT_EQ(r.exit_code, 0) << "aws s3 rm " << key << "\n" << r.err;
}

// Whether the PostgreSQL fixture has a database of that name.
inline bool database_exists(const std::string& name) {
  const testing::PostgresService pg = testing::postgres();
  CommandResult r = testing::run_command({"psql", pg.superuser_conninfo("postgres"), "-XAtc",
                                          "SELECT count(*) FROM pg_database WHERE datname = '" + name + "'"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out == "1\n";
}

// Drops a database a test had the tool create, whatever the test's outcome.
class DroppedAtEnd {
 public:
  explicit DroppedAtEnd(std::string name) : name_(std::move(name)) {}
  ~DroppedAtEnd() { testing::superuser_sql("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)"); }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
};

}  // namespace pgdump2s3::restore_itest
