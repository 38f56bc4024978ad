#include "cli/restore_options.h"

#include <CLI/CLI.hpp>

#include "pipeline/backup_listing.h"
#include "util/error.h"
#include "util/log.h"

namespace pgdump2s3::cli {

void add_source_flags(CLI::App& cmd, SourceOptions& o, const std::string& source_variable,
                      const std::string& latest_variable) {
  cmd.add_option("source", o.source, "s3://bucket/key of the backup, or with --latest s3://bucket/prefix/")
      ->envname(source_variable)
      ->required();
  cmd.add_flag("--latest", o.latest, "SRC is a prefix: take the newest backup under it")->envname(latest_variable);
}

s3::S3Location resolve_source(s3::S3Client& client, const SourceOptions& o) {
  s3::S3Location at = s3::S3Location::parse(o.source, "SRC");
  if (!o.latest) {
    if (at.key.empty() || at.key.ends_with("/")) {
      throw ConfigError("SRC=" + o.source + ": names a prefix, not a backup: give the backup's key, or add --latest "
                        "to take the newest backup under the prefix");
    }
    return at;
  }
  pipeline::BackupListing listing = pipeline::list_backups(client, at.bucket, at.key);
  if (listing.backups.empty()) throw ConfigError("SRC=" + o.source + ": no backup under this prefix");
  const pipeline::BackupEntry& newest = listing.backups.front();
  at.key = newest.key;
  log::info("--latest: the newest backup under " + o.source + " is " + at.uri() + " (" +
            pipeline::format_iso8601(newest.time) + (newest.time_from_key ? ", from its key)" : ", LastModified)"));
  return at;
}

void add_read_flags(CLI::App& cmd, ReadOptions& o) {
  cmd.add_option("--pg-restore-path", o.pg_restore_path,
                 "pg_restore / psql to use (a file or a folder; default: by the server's version; PG_DUMP_PATH "
                 "is used when this is unset)")
      ->envname("PG_RESTORE_PATH");
  cmd.add_option("--temp-dir", o.temp_dir,
                 "Where a tar of a directory-format dump (the old tool's .tar.gz) is unpacked, because pg_restore "
                 "reads that format only from a folder (default /tmp/db-backups); nothing else touches disk")
      ->envname("BACKUPS_TEMP_DIR");
  cmd.add_flag("--quiet", o.quiet, "No progress lines and no relayed tool output (errors are still reported)")
      ->envname("QUIET");
}

pipeline::RestoreSettings restore_settings(const ReadOptions& o, const Environment& env) {
  pipeline::RestoreSettings s;
  s.tools = pg::ToolSearch::from_environment(env);
  if (o.pg_restore_path) {
    s.tools.explicit_path = *o.pg_restore_path;
    s.tools.explicit_variable = "PG_RESTORE_PATH";
  }
  if (o.temp_dir) s.temp_dir = *o.temp_dir;
  s.quiet = o.quiet;
  return s;
}

}  // namespace pgdump2s3::cli
