#include "pipeline/verify_run.h"

#include <random>

#include "pg/sql_session.h"
#include "pipeline/backup_listing.h"
#include "pipeline/backup_run.h"
#include "pipeline/decompressor.h"
#include "pipeline/restore_database.h"
#include "pipeline/verify_archive.h"
#include "util/byte_size.h"
#include "util/error.h"
#include "util/log.h"
#include "util/progress.h"
#include "util/shutdown_signal.h"

namespace pgdump2s3::pipeline {
namespace {

// What the backup should be, and where that was read.
struct IntegrityRecord {
  std::string source;  // "manifest s3://...", "object metadata (x-amz-meta-sha256)"
  std::optional<std::string> sha256;
  std::optional<std::uint64_t> size;
  std::optional<std::string> dump_sha256;
  std::optional<std::uint64_t> dump_size;
};

template <typename T>
std::optional<T> field(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return std::nullopt;
  try {
    return it->get<T>();
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

std::string throwaway_name() {
  std::random_device random;
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "%08x", random());
  return std::string("pgdump2s3_verify_") + suffix;
}

// Tables, rows and large objects in a restored database. Rows are counted
// exactly, table by table (ONLY: an inheritance parent does not count its
// children's rows again; a partitioned table has none of its own).
struct RestoredCounts {
  std::string tables, rows, large_objects;
};
RestoredCounts count_restored(const pg::DatabaseUrl& db) {
  pg::SqlSession session(db);
  auto rows = session.query(R"sql(
    WITH t AS (
      SELECT n.nspname, c.relname, c.relkind
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND n.nspname !~ '^pg_toast')
    SELECT (SELECT pg_catalog.count(*) FROM t),
           (SELECT COALESCE(pg_catalog.sum((pg_catalog.xpath('/row/c/text()', pg_catalog.query_to_xml(
                      pg_catalog.format('SELECT pg_catalog.count(*) AS c FROM ONLY %I.%I', nspname, relname),
                      false, true, '')))[1]::text::bigint), 0)
            FROM t WHERE relkind = 'r'),
           (SELECT pg_catalog.count(*) FROM pg_catalog.pg_largeobject_metadata))sql",
                            {}, "counting what was restored");
  return {rows.at(0).at(0), rows.at(0).at(1), rows.at(0).at(2)};
}

// Drops the throwaway database whatever happens after it was created.
class ThrowawayDatabase {
 public:
  ThrowawayDatabase(const pg::DatabaseUrl& server, std::string name)
      : server_(server), name_(std::move(name)), version_(create_database(server_, name_)) {}
  ~ThrowawayDatabase() {
    try {
      drop_database(server_, name_);
    } catch (const std::exception& e) {
      log::warn("the throwaway database " + name_ + " could not be dropped: " + e.what());
    }
  }
  ThrowawayDatabase(const ThrowawayDatabase&) = delete;
  ThrowawayDatabase& operator=(const ThrowawayDatabase&) = delete;
  pg::DatabaseUrl url() const { return pg::with_database(server_, name_); }
  int server_version_num() const { return version_; }
  const std::string& name() const { return name_; }

 private:
  const pg::DatabaseUrl& server_;
  std::string name_;
  int version_;
};

}  // namespace

bool VerifyReport::ok() const {
  for (const VerifyCheck& c : checks) {
    if (!c.ok) return false;
  }
  return !checks.empty();
}

std::string VerifyReport::failures() const {
  std::string out;
  for (const VerifyCheck& c : checks) {
    if (!c.ok) out += (out.empty() ? "" : "; ") + c.name + ": " + c.detail;
  }
  return out;
}

VerifyReport verify_backup(const VerifyJob& job, s3::S3Client& client) {
  const auto started = std::chrono::steady_clock::now();
  VerifyReport report;
  report.url = job.source.uri();
  auto check = [&report](std::string name, bool ok, std::string detail) {
    report.checks.push_back({std::move(name), ok, std::move(detail)});
  };

  std::optional<s3::ObjectInfo> head = client.head_object(job.source);
  if (!head) throw ConfigError(report.url + ": no such object");

  // --- The integrity record: the manifest, else the object's metadata.
  IntegrityRecord record;
  const std::string manifest_uri = s3::S3Location{job.source.bucket, manifest_key(job.source.key)}.uri();
  std::optional<nlohmann::json> manifest;
  std::string manifest_problem = manifest_uri + " is missing";
  try {
    manifest = read_manifest(client, job.source.bucket, job.source.key);
  } catch (const RuntimeError& e) {
    manifest_problem = e.what();
  }
  if (manifest) {
    record.source = "manifest " + manifest_uri;
    record.sha256 = field<std::string>(*manifest, "sha256");
    record.size = field<std::uint64_t>(*manifest, "size");
    record.dump_sha256 = field<std::string>(*manifest, "dump_sha256");
    record.dump_size = field<std::uint64_t>(*manifest, "dump_size");
    const bool usable = record.sha256 && record.size;
    check("integrity record", usable,
          usable ? record.source : record.source + " lacks sha256 or size");
  } else if (auto sha = head->metadata.find("sha256"); sha != head->metadata.end()) {
    record.source = "object metadata x-amz-meta-sha256 (" + manifest_problem + ")";
    record.sha256 = sha->second;
    check("integrity record", true, record.source);
  } else {
    check("integrity record", false,
          manifest_problem + ", and the object's metadata holds no sha256: nothing records what the backup "
          "should be");
  }

  // --- One download through every check.
  std::optional<pg::DatabaseUrl> server;
  std::optional<ThrowawayDatabase> throwaway;
  std::optional<RestoreTarget> restore;
  if (job.restore_into_url) {
    server = pg::DatabaseUrl::parse(*job.restore_into_url, job.restore_into_variable);
    throwaway.emplace(*server, throwaway_name());
    RestoreSettings settings = job.settings;
    settings.clean = false;
    settings.ignore_errors = false;
    restore.emplace(throwaway->url(), throwaway->server_version_num(), settings);
  }
  ArchiveCheck archive_check(job.settings);
  client.set_interrupt([] { return ShutdownSignal::requested(); });
  StreamCounters counters;
  StreamResult streamed;
  {
    ShutdownSignal::Listener on_signal([&] {
      archive_check.stop();
      if (restore) restore->stop();
    });
    log::info("verifying " + report.url + (throwaway ? " with a test restore into " + throwaway->name() : ""));
    ProgressReporter progress("verify",
                              {{"decompressed", &counters.decompressed}, {"downloaded", &counters.downloaded}},
                              ProgressReporter::mode_for(job.settings.quiet));
    streamed = stream_dump(
        client, job.source,
        [&](ArchiveKind kind, std::string_view head_bytes) {
          return restore ? restore->open(kind, head_bytes) : archive_check.open(kind, head_bytes);
        },
        counters, StreamFailures::kRecordAndHashToTheEnd);
  }
  if (ShutdownSignal::requested()) throw RuntimeError("verify of " + report.url + " interrupted");
  report.object_bytes = streamed.object_bytes;
  report.dump_bytes = streamed.dump_bytes;
  report.compression = std::string(compression_name(streamed.compression));
  report.archive = streamed.archive_known ? std::string(archive_name(streamed.archive)) : "unknown";

  // --- What the bytes say against what was recorded.
  const std::string got_size = std::to_string(streamed.object_bytes) + " bytes";
  if (streamed.object_bytes != head->size) {
    check("size", false, "downloaded " + got_size + ", but S3 says the object has " + std::to_string(head->size));
  } else if (record.size) {
    check("size", *record.size == streamed.object_bytes,
          *record.size == streamed.object_bytes
              ? got_size + ", as recorded"
              : got_size + ", but the " + record.source + " records " + std::to_string(*record.size) +
                    " (the object was truncated or replaced)");
  }
  if (record.sha256) {
    check("sha256", *record.sha256 == streamed.object_sha256,
          *record.sha256 == streamed.object_sha256
              ? streamed.object_sha256 + ", as recorded"
              : streamed.object_sha256 + ", but the record says " + *record.sha256 + ": the object is not the backup "
                                                                                    "that was uploaded");
  } else {
    report.checks.front().detail += "; the object's sha256 is " + streamed.object_sha256;
  }
  if (!streamed.decompress_failure.empty()) {
    check("compression", false, streamed.decompress_failure);
  } else {
    check("compression", true,
          streamed.compression == CompressionFormat::kGzip   ? "gzip stream complete, every member's CRC-32 and length match"
          : streamed.compression == CompressionFormat::kZstd ? "zstd stream complete, every frame whole and its checksum matching"
                                                             : "none (the object is the dump itself)");
    if (record.dump_sha256) {
      const bool same = *record.dump_sha256 == streamed.dump_sha256 &&
                        (!record.dump_size || *record.dump_size == streamed.dump_bytes);
      check("dump sha256", same,
            same ? "the decompressed dump is the one pg_dump wrote (" + human_bytes(streamed.dump_bytes) + ")"
                 : "the decompressed dump (" + std::to_string(streamed.dump_bytes) + " bytes, " +
                       streamed.dump_sha256 + ") is not the one pg_dump wrote (" +
                       std::to_string(record.dump_size.value_or(0)) + " bytes, " + *record.dump_sha256 + ")");
    }
  }

  const std::string archive_label = restore ? "test restore" : "archive";
  if (!streamed.sink_failure.empty()) {
    check(archive_label, false, streamed.sink_failure);
  } else if (!streamed.decompress_failure.empty()) {
    check(archive_label, false, "not checked: the stream could not be decompressed");
  } else if (restore) {
    RestoredCounts counts = count_restored(throwaway->url());
    check(archive_label, true,
          "restored " + counts.tables + " tables, " + counts.rows + " rows and " + counts.large_objects +
              " large objects into the throwaway database " + throwaway->name() + " with " + restore->outcome().tool +
              " (dropped again)");
  } else {
    check(archive_label, true, archive_check.detail());
  }
  throwaway.reset();
  report.duration = std::chrono::steady_clock::now() - started;
  return report;
}

}  // namespace pgdump2s3::pipeline
