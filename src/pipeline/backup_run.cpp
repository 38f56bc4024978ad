#include "pipeline/backup_run.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>

#include <nlohmann/json.hpp>

#include "http/client.h"
#include "pg/child_process.h"
#include "pg/database_url.h"
#include "pg/pg_version.h"
#include "pg/preflight.h"
#include "pg/tool_locator.h"
#include "pipeline/buffer_pool.h"
#include "pipeline/fd_reader.h"
#include "pipeline/memory_budget.h"
#include "pipeline/part_assembler.h"
#include "pipeline/spool_folder.h"
#include "s3/multipart_upload.h"
#include "util/byte_size.h"
#include "util/digest.h"
#include "util/error.h"
#include "util/log.h"
#include "util/progress.h"
#include "util/shutdown_signal.h"

namespace pgdump2s3::pipeline {
namespace {

std::string iso8601(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// S3 user metadata travels in HTTP headers, which must be ASCII: anything
// else (a unicode database name) is percent-encoded.
std::string header_safe(std::string_view text) {
  for (unsigned char c : text) {
    if (c < 0x20 || c > 0x7e) return http::uri_encode(text, true);
  }
  return std::string(text);
}

// The first lines pg_dump wrote to stderr, for the one-line failure message.
class StderrTail {
 public:
  void add(const std::string& line) {
    std::lock_guard lock(mutex_);
    if (first_error_.empty() && (line.find("error") != std::string::npos || line.find("FATAL") != std::string::npos)) {
      first_error_ = line;
    }
    if (first_line_.empty()) first_line_ = line;
  }
  std::string summary() const {
    std::lock_guard lock(mutex_);
    return first_error_.empty() ? first_line_ : first_error_;
  }

 private:
  mutable std::mutex mutex_;
  std::string first_error_;
  std::string first_line_;
};

// Thrown on the driver thread when the dump's writer (pg_dump, or tar in
// directory mode) exited unsuccessfully: its exit status and stderr say why.
struct DumpWriterFailed {};

}  // namespace

std::string manifest_key(const std::string& backup_key) { return backup_key + std::string(kManifestSuffix); }

BackupRun::BackupRun(BackupJob job, const s3::S3Client& client, Environment env)
    : job_(std::move(job)), client_(client), env_(std::move(env)) {}

BackupReport BackupRun::run() {
  const auto started_wall = std::chrono::system_clock::now();
  const auto started = std::chrono::steady_clock::now();
  BackupReport report;
  report.url = job_.url();

  // --- Preflight: everything that can be checked before a byte is uploaded.
  const pg::DatabaseUrl db = pg::DatabaseUrl::parse(job_.database_url, job_.database_url_variable);
  const pg::PreflightResult facts = pg::preflight(db, pg::PreflightOptions::for_dump(job_.dump));
  for (const std::string& w : facts.warnings) log::warn(w);
  pg::ToolSearch search = pg::ToolSearch::from_environment(env_);
  if (!job_.pg_dump_path.empty()) search.explicit_path = job_.pg_dump_path;
  const pg::FoundTool pg_dump = pg::locate_tool("pg_dump", facts.server_version_num, search);
  report.server_version = facts.server_version;
  report.pg_dump_version = pg::major_version_name(pg_dump.version_num);
  const MemoryPlan plan =
      plan_memory(job_.max_memory, job_.compression, static_cast<std::uint64_t>(facts.database_size_bytes));
  if (plan.raised) log::warn(plan.raise_reason);

  const bool directory_mode = job_.dump.format == pg::DumpFormat::kDirectory;
  std::optional<SpoolFolder> spool;
  std::vector<std::string> argv = {pg_dump.path};
  argv.insert(argv.end(), job_.dump.args.begin(), job_.dump.args.end());
  if (directory_mode) {
    spool.emplace(job_.temp_dir);
    argv.push_back("--file=" + spool->path() + "/dump");
    if (!job_.dump.jobs) argv.push_back("--jobs=" + std::to_string(job_.dump_jobs));
    log::info("directory format: pg_dump writes to " + spool->path() +
              " first (the one mode that needs disk), then a tar of it is streamed");
  } else if (job_.dump.format == pg::DumpFormat::kTar) {
    log::info("tar format: pg_dump spools each table's data in " + std::string(pg::kTarSpoolDirectory) +
              " before writing it, so it needs free space there for the largest table");
  }
  argv.push_back("--dbname=" + db.child_conninfo());

  log::info("backing up " + db.redacted() + " (PostgreSQL " + facts.server_version + ", " +
                human_bytes(static_cast<std::uint64_t>(facts.database_size_bytes)) + ") to " + report.url,
            {{"pg_dump", pg_dump.path}, {"format", std::string(pg::format_name(job_.dump.format))},
             {"compression", std::string(compression_name(job_.compression.format))},
             {"memory", human_bytes(plan.max_memory)}});

  // --- The pipeline's memory, fixed from here on (memory_budget.h).
  BufferPool input_pool(plan.input_size, plan.input_count);
  std::optional<BufferPool> output_pool;
  if (plan.output_count > 0) output_pool.emplace(plan.output_size, plan.output_count);

  s3::MultipartUploadOptions upload_options;
  upload_options.concurrency = static_cast<std::size_t>(job_.upload_concurrency);
  upload_options.memory_budget = plan.upload_budget;
  upload_options.object.metadata = {
      {"pgdump2s3-version", PGDUMP2S3_VERSION},
      {"source", header_safe(db.redacted())},
      {"server-version", facts.server_version},
      {"pg-dump-version", report.pg_dump_version},
      {"dump-format", std::string(pg::format_name(job_.dump.format))},
      {"compression", std::string(compression_name(job_.compression.format))},
      {"started-at", iso8601(started_wall)},
  };
  s3::MultipartUpload upload(client_, s3::S3Location{job_.bucket, job_.key}, upload_options);

  const s3::PartSchedule schedule;
  PartAssembler assembler([&](int n) { return planned_part_size(plan, schedule, n); },
                          [&](Part part) {
                            s3::PartData data;
                            data.reserve(part.slices.size());
                            for (Slice& s : part.slices) data.push_back({s.view(), s.buffer});
                            upload.add_part(std::move(data));
                          });
  std::atomic<std::uint64_t> dumped{0};
  std::atomic<std::uint64_t> compressed{0};
  std::unique_ptr<Compressor> compressor =
      make_compressor(job_.compression, output_pool ? *output_pool : input_pool, [&](Slice slice) {
        compressed.fetch_add(slice.length, std::memory_order_relaxed);
        assembler.add(std::move(slice));
      });

  StderrTail pg_dump_errors;
  std::unique_ptr<pg::ChildProcess> child;
  std::string child_name;  // "pg_dump" or "tar", for the failure message
  std::atomic<pg::ChildProcess*> running_child{nullptr};
  auto start_child = [&](std::string name, std::vector<std::string> child_argv, bool stdout_pipe) {
    child_name = std::move(name);
    pg::ChildOptions o;
    o.argv = std::move(child_argv);
    o.env = db.child_environment();
    o.stdout_to = stdout_pipe ? pg::Redirect::pipe() : pg::Redirect::null();
    o.on_stderr_line = [&pg_dump_errors](const std::string& line) { pg_dump_errors.add(line); };
    child = std::make_unique<pg::ChildProcess>(std::move(o));
    running_child = child.get();
  };
  // Declared after everything it touches, so it is gone before they are.
  ShutdownSignal::Listener on_signal([&] {
    if (pg::ChildProcess* c = running_child.load()) c->send_signal(SIGTERM);
    input_pool.cancel();
    if (output_pool) output_pool->cancel();
    upload.interrupt();
  });

  std::optional<ProgressReporter> progress;
  progress.emplace("backup", std::vector<ProgressCounter>{{"dumped", &dumped}, {"compressed", &compressed}},
                   ProgressReporter::mode_for(job_.quiet));
  StreamingDigest dump_sha256(StreamingDigest::Kind::kSha256);
  bool failed = false;
  std::string failure;  // the pipeline's own error; empty when the dump's writer failed
  try {
    if (directory_mode) {
      start_child("pg_dump", argv, /*stdout_pipe=*/false);
      pg::ExitStatus status = child->wait();
      if (!status.success()) throw DumpWriterFailed{};
      start_child("tar", {"tar", "-cf", "-", "-C", spool->path() + "/dump", "."}, /*stdout_pipe=*/true);
    } else {
      start_child("pg_dump", argv, /*stdout_pipe=*/true);
    }
    FdReader reader(child->stdout_fd(), input_pool);
    while (BufferRef buffer = reader.next()) {
      dump_sha256.update({reinterpret_cast<const char*>(buffer->data), buffer->size});
      dumped.fetch_add(buffer->size, std::memory_order_relaxed);
      compressor->write(std::move(buffer));
    }
    // Commit or nothing: the dump counts only if its writer exited 0.
    pg::ExitStatus status = child->wait();
    if (ShutdownSignal::requested() || !status.success()) throw DumpWriterFailed{};
    compressor->finish();
    assembler.finish();
    s3::UploadResult result = upload.finish();
    report.etag = result.etag;
    report.object_bytes = result.size;
    report.object_sha256 = result.sha256_hex;
    report.parts = static_cast<int>(result.parts.size());
  } catch (const DumpWriterFailed&) {
    failed = true;
  } catch (const std::exception& e) {
    failed = true;
    failure = e.what();
  }
  progress.reset();
  report.dump_bytes = dumped.load();
  report.dump_sha256 = dump_sha256.finish_hex();
  report.duration = std::chrono::steady_clock::now() - started;

  if (failed || ShutdownSignal::requested()) {
    // Stop whatever still runs, then abort the upload: no parts stay behind
    // and the object previously at the key is untouched.
    std::string reason;
    if (child) {
      pg::ExitStatus status = child->terminate(std::chrono::seconds(5));
      if (ShutdownSignal::requested()) {
        reason = std::string("interrupted by ") + strsignal(ShutdownSignal::received());
      } else if (failure.empty()) {
        // The writer failed on its own. Otherwise it was stopped here after
        // the pipeline failed, and its "terminated by user" is no cause.
        reason = child_name + " " + status.describe();
        if (std::string detail = pg_dump_errors.summary(); !detail.empty()) reason += ": " + detail;
      }
    }
    if (reason.empty()) reason = failure.empty() ? "stopped" : failure;
    input_pool.cancel();
    if (output_pool) output_pool->cancel();
    compressor->cancel();
    std::string upload_fate = "nothing was committed";
    try {
      upload.abort();
    } catch (const std::exception& e) {
      upload_fate = e.what();
    }
    throw RuntimeError("backup of " + db.redacted() + " to " + report.url + " failed: " + reason + "; " +
                       upload_fate + ", the previous object at the key is untouched");
  }

  s3::S3Client control = client_.new_connection();
  if (report.etag.empty()) {
    // Ceph RGW 16 answers CompleteMultipartUpload with an empty <ETag>;
    // HeadObject has it. Where the IAM policy does not allow HeadObject
    // (s3:GetObject, not in the seed's minimal policy) it stays unknown.
    try {
      if (auto info = control.head_object(s3::S3Location{job_.bucket, job_.key})) report.etag = info->etag;
    } catch (const std::exception& e) {
      log::debug(std::string("the ETag of the new object is unknown: ") + e.what());
    }
  }

  // --- The integrity record, beside the object. The seed's minimal IAM
  // policy allows PutObject on the backup's key only: then this is a warning.
  nlohmann::json manifest = {
      {"manifest_version", 1},
      {"tool", "pgdump2s3 " PGDUMP2S3_VERSION},
      {"bucket", job_.bucket},
      {"key", job_.key},
      {"etag", report.etag},
      {"size", report.object_bytes},
      {"sha256", report.object_sha256},
      {"parts", report.parts},
      {"compression", std::string(compression_name(job_.compression.format))},
      {"dump_format", std::string(pg::format_name(job_.dump.format))},
      {"dump_size", report.dump_bytes},
      {"dump_sha256", report.dump_sha256},
      {"source", db.redacted()},
      {"database", facts.database},
      {"configuration", job_.name},
      {"server_version", facts.server_version},
      {"pg_dump_version", report.pg_dump_version},
      {"pg_dump_args", job_.dump.args},
      {"started_at", iso8601(started_wall)},
      {"finished_at", iso8601(std::chrono::system_clock::now())},
      {"duration_s", std::chrono::duration<double>(report.duration).count()},
  };
  try {
    const std::string text = manifest.dump(2) + "\n";
    s3::Body body{text};
    s3::PutOptions options;
    options.content_type = "application/json";
    control.put_object(s3::S3Location{job_.bucket, manifest_key(job_.key)}, body, s3::BodyDigests::of(body), options);
    report.manifest_written = true;
  } catch (const std::exception& e) {
    log::warn(std::string("the backup is complete, but its manifest was not written (verify and list then rely on "
                          "the object's own metadata): ") + e.what());
  }
  return report;
}

}  // namespace pgdump2s3::pipeline
