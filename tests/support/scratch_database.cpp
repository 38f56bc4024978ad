#include "support/scratch_database.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <sstream>

#include "support/process.h"

namespace pgdump2s3::testing {
namespace {

std::atomic<int> databases_made{0};

CommandResult psql(const PostgresService& pg, const std::string& dbname, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"psql", pg.superuser_conninfo(dbname), "-X", "-q", "-A", "-t",
                                   "-v", "ON_ERROR_STOP=1"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

}  // namespace

void superuser_sql(const std::string& statements) {
  CommandResult r = psql(postgres(), "postgres", {"-c", statements});
  if (r.exit_code != 0) ADD_FAILURE() << statements << "\n" << r.err;
}

ScratchDatabase::ScratchDatabase(const std::string& tag)
    : pg_(postgres()),
      name_("bt_" + tag + "_" + std::to_string(getpid()) + "_" + std::to_string(databases_made++)) {
  superuser_sql("CREATE DATABASE " + name_ + " OWNER " + pg_.user);
}

ScratchDatabase::~ScratchDatabase() {
  psql(pg_, "postgres", {"-c", "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)"});
}

void ScratchDatabase::sql(const std::string& statements, bool as_app) const {
  std::vector<std::string> args;
  if (as_app) args = {"-c", "SET ROLE " + pg_.user};
  args.insert(args.end(), {"-c", statements});
  CommandResult r = psql(pg_, name_, args);
  if (r.exit_code != 0) ADD_FAILURE() << "in " << name_ << ": " << statements << "\n" << r.err;
}

std::string ScratchDatabase::query(const std::string& sql) const {
  CommandResult r = psql(pg_, name_, {"-c", sql});
  if (r.exit_code != 0) ADD_FAILURE() << "in " << name_ << ": " << sql << "\n" << r.err;
  return r.out;
}

void ScratchDatabase::load_sample() const {
  CommandResult r = psql(pg_, name_, {"-c", "SET ROLE " + pg_.user, "-f",
                                      std::string(PGDUMP2S3_SOURCE_DIR) + "/scripts/demo-data/sample.sql"});
  if (r.exit_code != 0) ADD_FAILURE() << "loading sample.sql into " << name_ << ":\n" << r.err;
}

void ScratchDatabase::add_random_blobs(int mebibytes) const {
  // 65,536 MD5s of distinct random text = 1 MiB of bytes that do not compress.
  sql("CREATE TABLE blobs (id int PRIMARY KEY, data bytea);"
      "ALTER TABLE blobs ALTER COLUMN data SET STORAGE EXTERNAL;"
      "INSERT INTO blobs SELECT g, (SELECT decode(string_agg(md5(random()::text || i), ''), 'hex') "
      "FROM generate_series(1, 65536) i) FROM generate_series(1, " +
          std::to_string(mebibytes) + ") g",
      /*as_app=*/true);
}

std::string ScratchDatabase::fingerprint() const {
  std::istringstream tables(query(
      "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
      "AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 1"));
  std::string sql;
  for (std::string table; std::getline(tables, table);) {
    if (table.empty()) continue;
    std::string literal = "'" + table + "'";
    if (table.find('\'') != std::string::npos) ADD_FAILURE() << "a quote in a table name: " << table;
    sql += "SELECT 'table ' || " + literal + " || ' rows=' || count(*) || ' md5=' || "
           "coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '-') FROM " + table + " t UNION ALL ";
  }
  sql += "SELECT 'sequence ' || format('%I.%I', schemaname, sequencename) || ' last_value=' || "
         "coalesce(last_value::text, 'unset') FROM pg_sequences UNION ALL "
         "SELECT 'large object ' || oid || ' md5=' || md5(lo_get(oid)) FROM pg_largeobject_metadata "
         "ORDER BY 1";
  return query(sql);
}

}  // namespace pgdump2s3::testing
