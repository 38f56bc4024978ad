#include "cli/backup_options.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cctype>

#include "cli/destination.h"
#include "pg/database_url.h"
#include "util/byte_size.h"
#include "util/error.h"
#include "util/log.h"

namespace pgdump2s3::cli {
namespace {

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

int parse_int(const std::optional<std::string>& text, const char* variable, int fallback, int min, int max) {
  if (!text) return fallback;
  try {
    std::size_t used = 0;
    int v = std::stoi(*text, &used);
    if (used == text->size() && v >= min && v <= max) return v;
  } catch (const std::exception&) {
  }
  throw ConfigError(std::string(variable) + "=" + *text + ": expected a whole number from " + std::to_string(min) +
                    " to " + std::to_string(max));
}

// Compression follows the destination key: the pipeline gzips exactly when
// the key ends in .gz or .tgz (DESIGN.md "Defaults") and writes zstd for .zst.
pipeline::CompressionFormat compression_for_key(std::string_view key) {
  auto ends = [&](std::string_view suffix) { return key.ends_with(suffix); };
  if (ends(".gz") || ends(".tgz")) return pipeline::CompressionFormat::kGzip;
  if (ends(".zst")) return pipeline::CompressionFormat::kZstd;
  return pipeline::CompressionFormat::kNone;
}

pipeline::CompressionSettings compression_settings(const BackupOptions& o, std::string_view key) {
  pipeline::CompressionSettings s;  // defaults: compressor.h, chosen by measurement
  s.format = compression_for_key(key);
  if (o.compressor) {
    std::string name = *o.compressor;
    if (name == "isal" || name == "isa-l") s.backend = pipeline::DeflateBackend::kIsal;
    else if (name == "libdeflate") s.backend = pipeline::DeflateBackend::kLibdeflate;
    else if (name == "zlib") s.backend = pipeline::DeflateBackend::kZlib;
    else throw ConfigError("COMPRESSOR=" + name + ": expected isal, libdeflate or zlib");
  }
  if (s.format == pipeline::CompressionFormat::kZstd) s.level = 3;
  s.level = parse_int(o.compress_level, "COMPRESS_LEVEL", s.level, -7, 22);
  // COMPRESSION_THREAD_COUNT, else THREAD_COUNT, else one per core (0).
  s.threads = parse_int(o.compression_threads ? o.compression_threads : o.threads,
                        o.compression_threads ? "COMPRESSION_THREAD_COUNT" : "THREAD_COUNT", 0, 0, 256);
  return s;
}

PlannedBackup plan_one(const BackupOptions& o, std::string name, const std::string& url, const char* url_var,
                       const std::string& destination, const char* destination_var,
                       const std::optional<std::string>& dump_args) {
  PlannedBackup p;
  pipeline::BackupJob& job = p.job;
  job.name = std::move(name);
  job.database_url_variable = url_var;
  p.destination_variable = destination_var;
  // Parsed here to report a bad URL before anything runs (and to register
  // its password as a secret); BackupRun parses it again for itself.
  pg::DatabaseUrl::parse(url, url_var);
  job.database_url = url;
  Destination d = parse_destination(destination, destination_var);
  job.bucket = d.bucket;
  job.key = d.key_template;
  job.dump = pg::resolve_dump_arguments(dump_args, d.key_template);
  job.compression = compression_settings(o, d.key_template);
  if (job.dump.format == pg::DumpFormat::kDirectory && job.compression.format == pipeline::CompressionFormat::kNone &&
      !d.key_template.ends_with(".tar")) {
    log::warn(std::string(destination_var) + ": a directory-format dump is streamed as a tar: name it *.tar.gz");
  }
  if (o.pg_dump_path) job.pg_dump_path = *o.pg_dump_path;
  if (o.temp_dir) job.temp_dir = *o.temp_dir;
  job.dump_jobs = parse_int(o.threads, "THREAD_COUNT", 4, 1, 256);
  if (o.max_memory) {
    auto bytes = parse_byte_size(*o.max_memory);
    if (!bytes) throw ConfigError("MAX_MEMORY=" + *o.max_memory + ": expected a size such as 64MiB or 1G");
    job.max_memory = *bytes;
  }
  job.upload_concurrency = parse_int(o.upload_concurrency, "UPLOAD_CONCURRENCY", 4, 1, 64);
  job.quiet = o.quiet;
  return p;
}

}  // namespace

void add_backup_flags(CLI::App& cmd, BackupOptions& o) {
  cmd.add_option("--database-url", o.database_url, "PostgreSQL URL, e.g. postgresql://user:password@host:5432/db")
      ->envname("DATABASE_URL");
  cmd.add_option("--s3-destination", o.s3_destination,
                 "s3://bucket/key; the key may use {timestamp} {date} {time} {name} {db}. Its ending picks the "
                 "format: .dump.gz/.gz gzip (custom format), .sql.gz plain SQL, .tar.gz tar, .zst zstd")
      ->envname("S3_DESTINATION");
  cmd.add_option("--configurations", o.configuration_names,
                 "Comma-separated names; each NAME reads NAME_DATABASE_URL and NAME_S3_DESTINATION")
      ->envname("BACKUP_CONFIGURATION_NAMES");
  cmd.add_option("--pg-dump-args", o.pg_dump_args,
                 "pg_dump arguments, used as given (default from the destination: custom, tar or plain format "
                 "with --no-owner --clean --if-exists --no-privileges)")
      ->envname("PG_DUMP_ARGS");
  cmd.add_option("--pg-dump-path", o.pg_dump_path, "pg_dump to use (a file or a folder); default: by server version")
      ->envname("PG_DUMP_PATH");
  cmd.add_option("--temp-dir", o.temp_dir, "Spool folder for --format=directory only (default /tmp/db-backups)")
      ->envname("BACKUPS_TEMP_DIR");
  cmd.add_option("--threads", o.threads, "pg_dump --jobs in directory mode, and compression threads (default 4)")
      ->envname("THREAD_COUNT");
  cmd.add_option("--compression-threads", o.compression_threads, "Compression threads (default: one per core)")
      ->envname("COMPRESSION_THREAD_COUNT");
  cmd.add_option("--compress-level", o.compress_level, "Compression level (gzip 1-9 or 0-3 with isal; zstd 1-19)")
      ->envname("COMPRESS_LEVEL");
  cmd.add_option("--compressor", o.compressor, "Deflate engine for gzip: isal (default), libdeflate, zlib")
      ->envname("COMPRESSOR");
  cmd.add_option("--max-memory", o.max_memory, "Memory for all buffers, e.g. 64MiB (default), 1G")
      ->envname("MAX_MEMORY");
  cmd.add_option("--upload-concurrency", o.upload_concurrency, "Parts uploading at once, at most (default 4)")
      ->envname("UPLOAD_CONCURRENCY");
  cmd.add_flag("--quiet", o.quiet, "No progress lines (the summary stays)")->envname("QUIET");
  cmd.add_flag("--dry-run", o.dry_run, "Print the resolved plan, check nothing remote, exit 0");
}

std::vector<PlannedBackup> resolve_backup_jobs(const BackupOptions& o, const Environment& env) {
  std::vector<PlannedBackup> jobs;
  if (o.configuration_names) {
    std::string names = *o.configuration_names;
    std::size_t start = 0;
    while (start <= names.size()) {
      std::size_t comma = names.find(',', start);
      std::string name = upper(trim(std::string_view(names).substr(start, comma - start)));
      start = comma == std::string::npos ? names.size() + 1 : comma + 1;
      if (name.empty()) continue;
      const std::string url_var = name + "_DATABASE_URL";
      const std::string dest_var = name + "_S3_DESTINATION";
      auto url = env.get(url_var);
      auto dest = env.get(dest_var);
      if (!url || !dest) {
        throw ConfigError("BACKUP_CONFIGURATION_NAMES names " + name + ", but " + (url ? dest_var : url_var) +
                          " is not set");
      }
      auto dump_args = env.get(name + "_PG_DUMP_ARGS");
      jobs.push_back(plan_one(o, name, *url, url_var.c_str(), *dest, dest_var.c_str(),
                              dump_args ? dump_args : o.pg_dump_args));
    }
    if (jobs.empty()) throw ConfigError("BACKUP_CONFIGURATION_NAMES is set but names no configuration");
    return jobs;
  }
  if (!o.database_url) {
    throw ConfigError("DATABASE_URL is not set: the database to back up, e.g. "
                      "postgresql://user:password@host:5432/db (or --database-url)");
  }
  std::optional<std::string> destination = o.s3_destination;
  const char* dest_var = "S3_DESTINATION";
  if (!destination) {
    // An old version of fly-pg-dump-to-s3's entrypoint read this misspelling.
    if (auto misspelt = env.get("S3_DESTINATON")) {
      log::warn("S3_DESTINATON (misspelt) is read as S3_DESTINATION: please rename it");
      destination = misspelt;
      dest_var = "S3_DESTINATON";
    }
  }
  if (!destination) {
    throw ConfigError("S3_DESTINATION is not set: where to put the backup, e.g. s3://my-backups/db.dump.gz "
                      "(or --s3-destination)");
  }
  jobs.push_back(plan_one(o, "", *o.database_url, "DATABASE_URL", *destination, dest_var, o.pg_dump_args));
  return jobs;
}

}  // namespace pgdump2s3::cli
