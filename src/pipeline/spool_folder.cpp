#include "pipeline/spool_folder.h"

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "util/error.h"

namespace pgdump2s3::pipeline {

SpoolFolder::SpoolFolder(const std::string& parent) {
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  std::string templ = parent + "/pgdump2s3-XXXXXX";
  if (ec || mkdtemp(templ.data()) == nullptr) {
    throw ConfigError("BACKUPS_TEMP_DIR=" + parent + ": cannot create a folder there (" +
                      (ec ? ec.message() : std::string(std::strerror(errno))) + ")");
  }
  path_ = templ;
}

SpoolFolder::~SpoolFolder() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace pgdump2s3::pipeline
