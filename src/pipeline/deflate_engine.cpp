#include "pipeline/deflate_engine.h"

#include <string>

#include "util/error.h"

namespace pgdump2s3::pipeline {

namespace {

struct LevelRange {
  int min;
  int max;
};

// zlib: 0-9 (zlib.h); libdeflate: 0-12 (libdeflate.h,
// libdeflate_alloc_compressor); ISA-L: ISAL_DEF_MIN_LEVEL-ISAL_DEF_MAX_LEVEL,
// 0-3 (isa-l/igzip_lib.h).
LevelRange level_range(DeflateBackend backend) {
  switch (backend) {
    case DeflateBackend::kZlib: return {0, 9};
    case DeflateBackend::kLibdeflate: return {0, 12};
    case DeflateBackend::kIsal: return {0, 3};
  }
  return {0, 0};
}

}  // namespace

const char* backend_name(DeflateBackend backend) {
  switch (backend) {
    case DeflateBackend::kZlib: return "zlib";
    case DeflateBackend::kLibdeflate: return "libdeflate";
    case DeflateBackend::kIsal: return "isal";
  }
  return "unknown";
}

std::unique_ptr<DeflateEngine> make_deflate_engine(DeflateBackend backend, int level) {
  const LevelRange range = level_range(backend);
  if (level < range.min || level > range.max) {
    throw ConfigError("gzip compression level " + std::to_string(level) + " is not supported by the " +
                      backend_name(backend) + " backend (levels " + std::to_string(range.min) + "-" +
                      std::to_string(range.max) + ")");
  }
  switch (backend) {
    case DeflateBackend::kZlib: return make_zlib_engine(level);
    case DeflateBackend::kLibdeflate: return make_libdeflate_engine(level);
    case DeflateBackend::kIsal: return make_isal_engine(level);
  }
  throw ConfigError("unknown deflate backend");
}

}  // namespace pgdump2s3::pipeline
