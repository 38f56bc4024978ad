#include "pipeline/backup_listing.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>
#include <regex>

#include "pipeline/backup_run.h"
#include "util/error.h"

namespace pgdump2s3::pipeline {
namespace {

using namespace std::chrono;

int number(std::string_view text) {
  int n = 0;
  for (char c : text) n = n * 10 + (c - '0');
  return n;
}

std::optional<TimePoint> civil_time(int y, int mo, int d, int h, int mi, int s) {
  const year_month_day date{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!date.ok() || h > 23 || mi > 59 || s > 60) return std::nullopt;
  return sys_days{date} + hours{h} + minutes{mi} + seconds{s};
}

bool digit_at(std::string_view text, std::ptrdiff_t i) {
  return i >= 0 && i < static_cast<std::ptrdiff_t>(text.size()) &&
         std::isdigit(static_cast<unsigned char>(text[static_cast<std::size_t>(i)]));
}

// The last match of `pattern` in `key` not glued to other digits.
std::optional<std::cmatch> last_match(std::string_view key, const std::regex& pattern) {
  std::optional<std::cmatch> found;
  const char* begin = key.data();
  for (std::cregex_iterator it(begin, begin + key.size(), pattern), end; it != end; ++it) {
    const std::ptrdiff_t at = it->position(0);
    if (digit_at(key, at - 1) || digit_at(key, at + it->length(0))) continue;
    found = *it;
  }
  return found;
}

std::string unquoted(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  return std::string(etag);
}

}  // namespace

std::optional<TimePoint> time_from_key(std::string_view key) {
  static const std::regex kTimestamp(R"((\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z)");
  static const std::regex kDate(R"((\d{4})-(\d{2})-(\d{2})(?:[^0-9A-Za-z](\d{2})(\d{2})(\d{2}))?)");
  if (auto m = last_match(key, kTimestamp)) {
    return civil_time(number((*m)[1].str()), number((*m)[2].str()), number((*m)[3].str()), number((*m)[4].str()),
                      number((*m)[5].str()), number((*m)[6].str()));
  }
  if (auto m = last_match(key, kDate)) {
    const bool has_time = (*m)[4].matched;
    return civil_time(number((*m)[1].str()), number((*m)[2].str()), number((*m)[3].str()),
                      has_time ? number((*m)[4].str()) : 0, has_time ? number((*m)[5].str()) : 0,
                      has_time ? number((*m)[6].str()) : 0);
  }
  return std::nullopt;
}

std::optional<TimePoint> parse_iso8601(std::string_view text) {
  static const std::regex kIso(
      R"((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|([+-])(\d{2}):?(\d{2})))");
  std::cmatch m;
  if (!std::regex_match(text.data(), text.data() + text.size(), m, kIso)) return std::nullopt;
  std::optional<TimePoint> t = civil_time(number(m[1].str()), number(m[2].str()), number(m[3].str()),
                                          number(m[4].str()), number(m[5].str()), number(m[6].str()));
  if (!t) return std::nullopt;
  if (m[7].matched) {
    // Milliseconds, as S3 writes them; finer digits are dropped.
    std::string fraction = m[7].str().substr(1) + "000";
    *t += milliseconds{number(fraction.substr(0, 3))};
  }
  if (m[9].matched) {
    // Local time at an offset: UTC = local - offset.
    const minutes offset = hours{number(m[10].str())} + minutes{number(m[11].str())};
    *t += m[9].str() == "+" ? -offset : offset;
  }
  return t;
}

std::string format_iso8601(TimePoint time) {
  const std::time_t t = system_clock::to_time_t(time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void sort_newest_first(std::vector<BackupEntry>& backups) {
  std::sort(backups.begin(), backups.end(), [](const BackupEntry& a, const BackupEntry& b) {
    if (a.time != b.time) return a.time > b.time;
    if (a.last_modified != b.last_modified) return a.last_modified > b.last_modified;  // ISO 8601 sorts as text
    return a.key > b.key;
  });
}

BackupListing list_backups(s3::S3Client& client, const std::string& bucket, const std::string& prefix) {
  std::vector<s3::ObjectSummary> objects = client.list_objects(bucket, prefix);
  std::map<std::string, bool> manifests;  // manifest key -> its backup was found
  for (const s3::ObjectSummary& o : objects) {
    if (o.key.ends_with(kManifestSuffix)) manifests[o.key] = false;
  }
  BackupListing listing;
  for (const s3::ObjectSummary& o : objects) {
    if (o.key.ends_with(kManifestSuffix)) continue;
    BackupEntry entry;
    entry.key = o.key;
    entry.size = o.size;
    entry.etag = o.etag;
    entry.last_modified = o.last_modified;
    if (std::optional<TimePoint> t = time_from_key(o.key)) {
      entry.time = *t;
      entry.time_from_key = true;
    } else {
      entry.time = parse_iso8601(o.last_modified).value_or(TimePoint{});
    }
    if (auto m = manifests.find(manifest_key(o.key)); m != manifests.end()) {
      entry.has_manifest = true;
      m->second = true;
    }
    listing.backups.push_back(std::move(entry));
  }
  sort_newest_first(listing.backups);
  for (const auto& [key, paired] : manifests) {
    if (!paired) listing.orphaned_manifests.push_back(key);
  }
  return listing;
}

std::optional<nlohmann::json> read_manifest(s3::S3Client& client, const std::string& bucket, const std::string& key) {
  const s3::S3Location at{bucket, manifest_key(key)};
  std::string text;
  try {
    client.get_object(at, [&text](std::string_view bytes) {
      text.append(bytes);
      return true;
    });
  } catch (const s3::S3Error& e) {
    if (e.failure().status == 404) return std::nullopt;
    throw;
  }
  nlohmann::json manifest = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!manifest.is_object()) throw RuntimeError(at.uri() + ": not a pgdump2s3 manifest (not a JSON object)");
  return manifest;
}

std::string manifest_mismatch(const nlohmann::json& manifest, const BackupEntry& backup) {
  const std::string key = manifest.value("key", std::string());
  if (key != backup.key) return "the manifest names another key (" + key + ")";
  const std::uint64_t size = manifest.value("size", std::uint64_t{0});
  if (size != backup.size) {
    return "the manifest says " + std::to_string(size) + " bytes, the object has " + std::to_string(backup.size);
  }
  const std::string etag = unquoted(manifest.value("etag", std::string()));
  if (!etag.empty() && !backup.etag.empty() && etag != unquoted(backup.etag)) {
    return "the manifest's ETag " + etag + " is not the object's " + unquoted(backup.etag) +
           " (the object was replaced after the backup)";
  }
  return "";
}

}  // namespace pgdump2s3::pipeline
