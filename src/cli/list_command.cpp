// `pgdump2s3 list s3://bucket/prefix/`: the backups under a prefix, newest
// first, each with what its manifest (or, lacking one, its metadata) says.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/s3_setup.h"
#include "http/client.h"
#include "pipeline/backup_listing.h"
#include "util/byte_size.h"
#include "util/error.h"
#include "util/progress.h"

namespace pgdump2s3::cli {
namespace {

struct ListOptions {
  std::string prefix;  // LIST_PREFIX
  bool json = false;
};

// One backup with what is known about it.
nlohmann::json describe(s3::S3Client& client, const std::string& bucket, const pipeline::BackupEntry& b) {
  nlohmann::json row = {
      {"key", b.key},
      {"url", s3::S3Location{bucket, b.key}.uri()},
      {"time", pipeline::format_iso8601(b.time)},
      {"time_from", b.time_from_key ? "key" : "last_modified"},
      {"last_modified", b.last_modified},
      {"size", b.size},
      {"etag", b.etag},
      {"manifest", b.has_manifest},
  };
  std::optional<nlohmann::json> manifest;
  std::string verification = "no manifest";
  if (b.has_manifest) {
    try {
      manifest = pipeline::read_manifest(client, bucket, b.key);
      verification = manifest ? pipeline::manifest_mismatch(*manifest, b) : "the manifest went missing";
    } catch (const RuntimeError& e) {
      verification = e.what();
    }
  }
  row["verified"] = manifest && verification.empty();
  row["verification"] = verification.empty() ? "manifest matches" : verification;
  if (manifest) {
    for (const char* name : {"source", "database", "duration_s", "compression", "dump_format", "server_version",
                             "pg_dump_version", "sha256", "dump_size"}) {
      if (manifest->contains(name)) row[name] = (*manifest)[name];
    }
  } else if (std::optional<s3::ObjectInfo> info = client.head_object(s3::S3Location{bucket, b.key})) {
    // No manifest (an IAM policy without PutObject on it, or the old tool):
    // the metadata a pgdump2s3 upload carries, percent-encoded when not ASCII.
    const std::map<std::string, const char*> fields = {
        {"source", "source"}, {"compression", "compression"}, {"dump-format", "dump_format"},
        {"server-version", "server_version"}, {"pg-dump-version", "pg_dump_version"}};
    for (const auto& [meta, name] : fields) {
      if (auto it = info->metadata.find(meta); it != info->metadata.end()) row[name] = http::uri_decode(it->second);
    }
  }
  return row;
}

std::string text(const nlohmann::json& row, const char* name) {
  return row.contains(name) && row[name].is_string() ? row[name].get<std::string>() : "-";
}

int run_list(const ListOptions& o) {
  const Environment env = Environment::from_process();
  const s3::S3Location at = s3::S3Location::parse(o.prefix, "PREFIX");
  s3::S3Client client = resolve_s3_setup(env).client();
  const pipeline::BackupListing listing = pipeline::list_backups(client, at.bucket, at.key);

  nlohmann::json rows = nlohmann::json::array();
  for (const pipeline::BackupEntry& b : listing.backups) rows.push_back(describe(client, at.bucket, b));
  if (o.json) {
    std::printf("%s\n", rows.dump(2).c_str());
    return kExitOk;
  }
  if (rows.empty()) {
    std::printf("no backups under %s\n", at.uri().c_str());
    return kExitOk;
  }
  std::printf("%-20s  %10s  %8s  %-8s  %-40s  %s\n", "TIME", "SIZE", "DURATION", "VERIFIED", "SOURCE", "KEY");
  for (const nlohmann::json& row : rows) {
    std::string duration = "-";
    if (row.contains("duration_s") && row["duration_s"].is_number()) {
      duration = human_duration(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::duration<double>(row["duration_s"].get<double>())));
    }
    const std::string verified = row["verified"].get<bool>() ? "yes" : (row["manifest"].get<bool>() ? "MISMATCH" : "no");
    std::printf("%-20s  %10s  %8s  %-8s  %-40s  %s\n", row["time"].get<std::string>().c_str(),
                human_bytes(row["size"].get<std::uint64_t>()).c_str(), duration.c_str(), verified.c_str(),
                text(row, "source").c_str(), row["key"].get<std::string>().c_str());
  }
  for (const nlohmann::json& row : rows) {
    if (row["manifest"].get<bool>() && !row["verified"].get<bool>()) {
      std::printf("MISMATCH %s: %s\n", row["key"].get<std::string>().c_str(),
                  row["verification"].get<std::string>().c_str());
    }
  }
  return kExitOk;
}

}  // namespace

void add_list_command(CLI::App& app, CommandRunner& run) {
  auto o = std::make_shared<ListOptions>();
  CLI::App* cmd = app.add_subcommand("list", "List the backups under an S3 prefix, newest first");
  cmd->add_option("prefix", o->prefix, "s3://bucket/prefix/")->envname("LIST_PREFIX")->required();
  cmd->add_flag("--json", o->json, "One JSON array: every backup with its manifest's facts");
  cmd->footer(
      "TIME is the one in the key ({timestamp}, {date}), else LastModified. VERIFIED: yes when KEY.manifest.json is\n"
      "there and names the object's key, size and ETag; MISMATCH when it does not (the object was replaced or cut);\n"
      "no when there is no manifest. `verify` reads a backup whole.");
  cmd->callback([&run, o] { run = [o] { return run_list(*o); }; });
}

}  // namespace pgdump2s3::cli
