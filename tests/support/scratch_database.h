// A throwaway database on the PostgreSQL fixture for one test: created by
// the superuser over the socket, owned by the password-authenticated `app`
// role, dropped (WITH FORCE) when the object dies. Its name is unique per
// process and per object, so tests never share one.
#pragma once

#include <string>

#include "support/services.h"

namespace pgdump2s3::testing {

class ScratchDatabase {
 public:
  // `tag`: lower-case letters, digits and '_' (it becomes part of the name).
  explicit ScratchDatabase(const std::string& tag);
  ~ScratchDatabase();
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;

  const std::string& name() const { return name_; }
  // postgresql://app:PASSWORD@127.0.0.1:PORT/NAME
  std::string url() const { return pg_.url(name_); }
  const PostgresService& server() const { return pg_; }

  // Runs SQL as the superuser (ADD_FAILURE when it fails); with
  // as_app=true under SET ROLE app, so what it creates belongs to app.
  void sql(const std::string& statements, bool as_app = false) const;
  // The unaligned, tuples-only output of a query run as the superuser.
  std::string query(const std::string& sql) const;
  // Loads scripts/demo-data/sample.sql as app: tables, a partitioned table,
  // bytea, unicode names, a large object, sequences.
  void load_sample() const;
  // A table `blobs` of `mebibytes` rows of 1 MiB random bytes each (does not
  // compress: a custom-format dump of it is about twice as large, hex).
  void add_random_blobs(int mebibytes) const;

  // What a faithful restore must reproduce, one sorted line per item: each
  // table's row count and the MD5 of its rows in order, each sequence's
  // state, each large object's MD5. Equal fingerprints = equal content.
  std::string fingerprint() const;

 private:
  PostgresService pg_;
  std::string name_;
};

// Runs SQL as the superuser in the `postgres` database (CREATE ROLE, ...).
void superuser_sql(const std::string& statements);

}  // namespace pgdump2s3::testing
