#include "pipeline/restore_run.h"

#include <string.h>

#include <optional>

#include "pg/sql_session.h"
#include "pipeline/decompressor.h"
#include "pipeline/restore_database.h"
#include "util/byte_size.h"
#include "util/error.h"
#include "util/log.h"
#include "util/progress.h"
#include "util/shutdown_signal.h"

namespace pgdump2s3::pipeline {

RestoreRun::RestoreRun(RestoreJob job, s3::S3Client& client) : job_(std::move(job)), client_(client) {}

RestoreReport RestoreRun::run() {
  const auto started = std::chrono::steady_clock::now();
  RestoreReport report;
  report.url = job_.source.uri();
  const pg::DatabaseUrl db = pg::DatabaseUrl::parse(job_.database_url, job_.database_url_variable);
  report.database = db.redacted();

  // --- Everything that can be checked before the target is touched.
  if (!client_.head_object(job_.source)) {
    throw ConfigError(report.url + ": no such object (check the key; --latest takes a prefix and restores the newest "
                      "backup under it)");
  }
  int server_version_num = 0;
  std::string dbname;
  if (job_.create_database) {
    dbname = db.option("dbname").value_or("");
    if (dbname.empty()) {
      throw ConfigError(job_.database_url_variable + ": --create needs the name of the database to create in the URL");
    }
    server_version_num = create_database(db, dbname);
    report.created_database = true;
  } else {
    try {
      server_version_num = pg::SqlSession(db).server_version_num();
    } catch (const ConfigError& e) {
      const std::string text = e.what();
      if (text.find("\" does not exist") == std::string::npos || text.find("database \"") == std::string::npos) throw;
      throw ConfigError(text + " (--create creates it)");
    }
  }

  RestoreTarget target(db, server_version_num, job_.settings);
  client_.set_interrupt([] { return ShutdownSignal::requested(); });
  StreamCounters counters;
  std::optional<StreamResult> streamed;
  std::optional<ConfigError> config_failure;
  std::string failure;
  {
    // Declared after what it touches, so it is gone before they are.
    ShutdownSignal::Listener on_signal([&target] { target.stop(); });
    log::info("restoring " + report.url + " into " + report.database);
    ProgressReporter progress("restore",
                              {{"decompressed", &counters.decompressed}, {"downloaded", &counters.downloaded}},
                              ProgressReporter::mode_for(job_.settings.quiet));
    try {
      streamed = stream_dump(
          client_, job_.source, [&](ArchiveKind kind, std::string_view head) { return target.open(kind, head); },
          counters);
    } catch (const ConfigError& e) {
      config_failure = e;
    } catch (const std::exception& e) {
      failure = e.what();
    }
  }
  report.duration = std::chrono::steady_clock::now() - started;
  report.tool = target.outcome().tool;

  if (config_failure || !failure.empty() || ShutdownSignal::requested()) {
    std::string reason = config_failure ? config_failure->what() : failure;
    if (ShutdownSignal::requested()) reason = std::string("interrupted by ") + strsignal(ShutdownSignal::received());
    std::string fate;
    if (report.created_database) {
      try {
        drop_database(db, dbname);
        fate = "; the database it had created was dropped again";
      } catch (const std::exception& e) {
        fate = "; the database it had created, " + dbname + ", is left behind (" + e.what() + ")";
      }
    }
    const std::string text = "restore of " + report.url + " into " + report.database + " failed: " + reason + fate;
    if (config_failure) throw ConfigError(log::redact(text));
    throw RuntimeError(log::redact(text));
  }

  report.object_bytes = streamed->object_bytes;
  report.dump_bytes = streamed->dump_bytes;
  report.compression = std::string(compression_name(streamed->compression));
  report.archive = std::string(archive_name(streamed->archive));
  report.ignored_errors = target.outcome().ignored_errors;

  // --- Statistics for the planner: restored tables have none until
  // autovacuum analyzes them (PostgreSQL docs, "Restoring the Dump").
  if (job_.analyze) {
    const auto analyze_started = std::chrono::steady_clock::now();
    try {
      pg::SqlSession(db).execute("ANALYZE", "ANALYZE");
      report.analyzed = true;
    } catch (const std::exception& e) {
      log::warn(std::string("the restore is complete, but ANALYZE failed (run it yourself): ") + e.what());
    }
    report.analyze_duration = std::chrono::steady_clock::now() - analyze_started;
  }
  return report;
}

}  // namespace pgdump2s3::pipeline
