// `pgdump2s3 verify SRC`: read a backup whole and check it against its
// integrity record, its compression and pg_restore (pipeline/verify_run.h).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/restore_options.h"
#include "cli/s3_setup.h"
#include "pipeline/verify_run.h"
#include "util/byte_size.h"
#include "util/error.h"
#include "util/log.h"
#include "util/progress.h"

namespace pgdump2s3::cli {
namespace {

struct VerifyOptions {
  SourceOptions source;
  ReadOptions read;
  std::optional<std::string> restore_into;  // VERIFY_RESTORE_INTO
};

int run_verify(const VerifyOptions& o) {
  const Environment env = Environment::from_process();
  pipeline::VerifyJob job;
  job.restore_into_url = o.restore_into;
  job.restore_into_variable = "VERIFY_RESTORE_INTO";
  if (job.restore_into_url) pg::DatabaseUrl::parse(*job.restore_into_url, job.restore_into_variable);
  job.settings = restore_settings(o.read, env);

  s3::S3Client client = resolve_s3_setup(env).client();
  job.source = resolve_source(client, o.source);
  const pipeline::VerifyReport report = pipeline::verify_backup(job, client);

  std::printf("%s: %s, a %s, compression %s, %s decompressed\n", report.url.c_str(),
              human_bytes(report.object_bytes).c_str(), report.archive.c_str(), report.compression.c_str(),
              human_bytes(report.dump_bytes).c_str());
  for (const pipeline::VerifyCheck& c : report.checks) {
    std::printf("  %-6s  %-16s  %s\n", c.ok ? "ok" : "FAILED", c.name.c_str(), c.detail.c_str());
  }
  std::fflush(stdout);
  if (!report.ok()) throw RuntimeError("verify of " + report.url + " failed: " + report.failures());
  log::info("verify complete: " + report.url + ": all " + std::to_string(report.checks.size()) + " checks passed in " +
            human_duration(report.duration));
  return kExitOk;
}

}  // namespace

void add_verify_command(CLI::App& app, CommandRunner& run) {
  auto o = std::make_shared<VerifyOptions>();
  CLI::App* cmd = app.add_subcommand(
      "verify", "Check a backup: its checksum against the manifest, the gzip/zstd stream, pg_restore --list (or the "
                "end of plain SQL), and with --restore-into a test restore");
  add_source_flags(*cmd, o->source, "VERIFY_SOURCE", "VERIFY_LATEST");
  cmd->add_option("--restore-into", o->restore_into,
                  "A server to test-restore into, e.g. postgresql://user:password@host/postgres: a throwaway "
                  "database is created there, restored into, counted and dropped (the user needs CREATEDB)")
      ->envname("VERIFY_RESTORE_INTO");
  add_read_flags(*cmd, o->read);
  cmd->footer("Exit status 0 when every check passed, 1 when one failed (each check is printed, the failures "
              "also in the error line), 2 for a usage or configuration error.");
  cmd->callback([&run, o] { run = [o] { return run_verify(*o); }; });
}

}  // namespace pgdump2s3::cli
