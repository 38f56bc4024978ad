#include "pipeline/compressor.h"

#include <sched.h>
#include <zstd.h>

#include <algorithm>
#include <string>
#include <thread>

#include "pipeline/gzip_format.h"
#include "pipeline/identity_compressor.h"
#include "pipeline/parallel_gzip_compressor.h"
#include "pipeline/zstd_compressor.h"
#include "util/error.h"

namespace pgdump2s3::pipeline {

namespace {

// The CPUs this process may run on (its affinity mask, which taskset and
// cgroup cpusets narrow), not every CPU the machine has.
int available_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

}  // namespace

std::string_view compression_name(CompressionFormat format) {
  switch (format) {
    case CompressionFormat::kGzip: return "gzip";
    case CompressionFormat::kZstd: return "zstd";
    case CompressionFormat::kNone: break;
  }
  return "none";
}

int compression_threads(const CompressionSettings& settings) {
  if (settings.threads < 0) {
    throw ConfigError("compression thread count must be 0 (one per core) or more, not " +
                      std::to_string(settings.threads));
  }
  return settings.threads == 0 ? available_cores() : settings.threads;
}

std::unique_ptr<Compressor> make_compressor(const CompressionSettings& settings, BufferPool& output_pool,
                                            SliceSink sink) {
  switch (settings.format) {
    case CompressionFormat::kNone:
      return std::make_unique<IdentityCompressor>(std::move(sink));
    case CompressionFormat::kGzip:
      return std::make_unique<ParallelGzipCompressor>(settings.backend, settings.level,
                                                      compression_threads(settings), output_pool,
                                                      std::move(sink));
    case CompressionFormat::kZstd:
      return std::make_unique<ZstdCompressor>(settings.level, compression_threads(settings), output_pool,
                                              std::move(sink));
  }
  throw ConfigError("unknown compression format");
}

std::size_t output_buffer_size(const CompressionSettings& settings, std::size_t input_buffer_size) {
  switch (settings.format) {
    case CompressionFormat::kNone:
      return 0;  // passes input buffers on; takes none from the pool
    case CompressionFormat::kGzip:
      // One block per output buffer. Writes smaller than a staging block are
      // gathered into one, so buffers hold at least that much.
      return gzip_block_buffer_size(std::clamp(input_buffer_size, ParallelGzipCompressor::kStagingBlock,
                                               ParallelGzipCompressor::kMaxBlock));
    case CompressionFormat::kZstd:
      // Any size streams; this keeps about one output buffer per input buffer.
      return std::max(ZSTD_compressBound(input_buffer_size), ZSTD_CStreamOutSize());
  }
  return 0;
}

std::size_t input_buffers_held(const CompressionSettings& settings) {
  switch (settings.format) {
    case CompressionFormat::kGzip:
      return ParallelGzipCompressor::input_buffers_held(compression_threads(settings));
    case CompressionFormat::kNone:  // the sink holds them, not the compressor
    case CompressionFormat::kZstd:  // libzstd copies its input
      return 0;
  }
  return 0;
}

}  // namespace pgdump2s3::pipeline
