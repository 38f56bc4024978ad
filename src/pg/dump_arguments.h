// The pg_dump arguments of one backup: PG_DUMP_ARGS as given, or defaults
// that follow the destination key (docs/DESIGN.md, "Defaults").
//
// The arguments never carry the connection (the pipeline appends
// --dbname=<DatabaseUrl::child_conninfo()>) nor an output file: pg_dump
// writes to stdout, which the pipeline reads. For --format=directory, which
// cannot write to stdout, the pipeline appends --file=<folder in
// BACKUPS_TEMP_DIR> itself.
//
// Temp space of --format=tar: pg_dump's tar writer cannot know a table's
// size before writing its tar header, so it spools each table's data to a
// tmpfile() first and copies it into the archive when the table is done
// (pg_backup_tar.c, tarOpen/tarClose). glibc's tmpfile() does NOT honour
// TMPDIR: it creates an unnamed O_TMPFILE in P_tmpdir ("/tmp"), falling
// back to a named file there (glibc stdio-common/tmpfile.c, __gen_tempfd
// and __path_search with try_tmpdir=0). No environment variable moves it,
// so BACKUPS_TEMP_DIR cannot either: the tar mode needs free space in
// kTarSpoolDirectory for the largest table. (Checked with pg_dump 15 on
// Debian 12: with TMPDIR set elsewhere, its spool file shows as
// "/tmp/#NNN (deleted)" in /proc/PID/fd.)
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgdump2s3::pg {

// Where pg_dump --format=tar spools each table's data (see above).
inline constexpr std::string_view kTarSpoolDirectory = P_tmpdir;

// pg_dump --format (pg_dump.c: parseArchiveFormat).
enum class DumpFormat { kPlain, kCustom, kDirectory, kTar };
// "plain", "custom", "directory", "tar".
std::string_view format_name(DumpFormat format);

struct DumpArguments {
  std::vector<std::string> args;  // for pg_dump, after the program name
  DumpFormat format = DumpFormat::kPlain;  // pg_dump's default when -F is absent
  std::optional<int> jobs;  // --jobs / -j (pg_dump allows it with the directory format only)

  // What the dump reads, for the preflight's permission check (pg_dump
  // selects with psql patterns; plain names are lower-cased, "Quoted" kept):
  std::vector<std::string> schemas;           // -n/--schema given as plain names
  std::vector<std::string> excluded_schemas;  // -N/--exclude-schema given as plain names
  // True when tables are selected (-t, -T, --table...) or schemas by a
  // wildcard pattern: then the preflight cannot tell exactly which tables
  // pg_dump will read.
  bool selects_by_pattern = false;
  bool enable_row_security = false;  // --enable-row-security
};

// PG_DUMP_ARGS as given, split like a shell would (shell_words.h). Throws
// ConfigError (naming `variable`) for arguments that would break the
// stream: an output file (-f, --file), a database (-d, --dbname, or a
// database name argument: the database comes from DATABASE_URL), an
// unknown --format.
DumpArguments parse_dump_arguments(std::string_view text, std::string_view variable = "PG_DUMP_ARGS");

// The defaults when PG_DUMP_ARGS is unset, from the destination key:
// *.tar.gz, *.tgz, *.tar -> --format=tar; *.sql.gz, *.sql -> --format=plain;
// anything else -> --format=custom --compress=0 (the pipeline compresses, in
// parallel). Always --no-owner --clean --if-exists --no-privileges (pg_dump ignores
// --clean for the archive formats, harmlessly: there pg_restore --clean
// decides).
DumpArguments default_dump_arguments(std::string_view destination_key);

// PG_DUMP_ARGS when set, else the defaults for the key.
DumpArguments resolve_dump_arguments(const std::optional<std::string>& pg_dump_args, std::string_view destination_key);

}  // namespace pgdump2s3::pg
