// A private folder in BACKUPS_TEMP_DIR, removed with everything in it when
// the object goes: where a directory-format dump is written before its tar
// is streamed (backup), or unpacked because pg_restore reads that format
// only from a folder on disk (restore). The two modes that need disk.
#pragma once

#include <string>

namespace pgdump2s3::pipeline {

class SpoolFolder {
 public:
  // Creates `parent` if needed and a fresh pgdump2s3-XXXXXX in it.
  // Throws ConfigError naming BACKUPS_TEMP_DIR when it cannot.
  explicit SpoolFolder(const std::string& parent);
  ~SpoolFolder();
  SpoolFolder(const SpoolFolder&) = delete;
  SpoolFolder& operator=(const SpoolFolder&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace pgdump2s3::pipeline
