// Lets a plain dump made with pg_dump --clean (the default for *.sql.gz)
// restore into a database that lacks its objects, as pg_restore --clean
// --if-exists does for the archive formats.
//
// pg_dump --clean without --if-exists writes one DROP per object right
// after its SET preamble ("DROP TABLE public.t;", "ALTER TABLE ONLY
// public.t DROP CONSTRAINT c;", "SELECT pg_catalog.lo_unlink('16434');":
// pg_backup_archiver.c, RestoreArchive). Into an empty database the first
// one fails, and psql -v ON_ERROR_STOP=1 stops there. This filter wraps each
// statement of that section, and only of that section, in a DO block that
// ignores exactly "does not exist" (SQLSTATE classes undefined_table,
// undefined_object, undefined_function, invalid_schema_name,
// undefined_column); any other error (a dependent object) still stops the
// restore. Meta-commands cannot do this instead: after `\restrict` psql
// refuses every one but `\unrestrict`.
//
// Everything after the section passes through untouched and unbuffered.
// A stream that does not start like pg_dump's output passes through whole.
//
// Threads: one thread calls write() and finish(); the sink runs on it.
#pragma once

#include <string>
#include <string_view>

#include "pipeline/decompressor.h"

namespace pgdump2s3::pipeline {

class PlainCleanSection {
 public:
  explicit PlainCleanSection(ByteSink sink);
  void write(std::string_view bytes);
  // The stream ended: hands on a last line without a newline.
  void finish();
  // How many DROP statements were made to tolerate a missing object; 0 when
  // the dump was made without --clean.
  int guarded_statements() const { return guarded_; }

 private:
  enum class State { kHeader, kPreamble, kClean, kBody };
  void line(std::string_view text);  // one whole line, newline included
  void pass(std::string_view text);

  ByteSink sink_;
  State state_ = State::kHeader;
  std::string pending_;  // a line not yet ended, outside kBody
  int header_lines_ = 0;
  int guarded_ = 0;
};

}  // namespace pgdump2s3::pipeline
