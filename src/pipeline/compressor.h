// The compression stage: a filter (STYLE.md, pgBackRest) that is fed the
// dump's bytes buffer by buffer, in order, and hands the object's bytes in
// order to the next stage.
//
// Threads: write() and finish() are called from one driver thread (the
// reader), and the sink is called only from inside write() and finish() on
// that same thread. Implementations may compress on worker threads of their
// own but emit in order from the driver thread. A sink that blocks (the
// uploader is busy) therefore blocks the reader, which blocks pg_dump on its
// pipe: backpressure without another queue.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "pipeline/buffer_pool.h"

namespace pgdump2s3::pipeline {

using SliceSink = std::function<void(Slice)>;

class Compressor {
 public:
  virtual ~Compressor() = default;
  // Takes a filled input buffer (read in place, never copied). May wait when
  // as many blocks as allowed are in flight.
  virtual void write(BufferRef input) = 0;
  // Compresses what is pending, emits the trailer and the last bytes.
  virtual void finish() = 0;
  // Stops workers after a failure elsewhere; write/finish must not follow.
  virtual void cancel() = 0;

  virtual std::uint64_t bytes_in() const = 0;
  virtual std::uint64_t bytes_out() const = 0;
};

enum class CompressionFormat { kNone, kGzip, kZstd };
enum class DeflateBackend { kZlib, kLibdeflate, kIsal };

// "gzip", "zstd", "none".
std::string_view compression_name(CompressionFormat format);

struct CompressionSettings {
  CompressionFormat format = CompressionFormat::kGzip;
  // Chosen by measurement (bench/compressors/README.md: a 295 MiB
  // pg_dump -Fc -Z0 of make-dataset data on the 2-core machine): ISA-L -1
  // gives 2.80:1 (gzip -1: 2.67:1) at ~450 MiB per CPU-second, a third of a
  // core at pg_dump's 150 MiB/s, which leaves room in the one core the
  // PostgreSQL backend leaves for pg_dump itself and the upload's hashing and
  // TLS. ISA-L -3 (2.88:1) needs ~0.45 core here but 0.74 by the issue's
  // figures; libdeflate -1 (2.90:1, a gzip member per block, ~0.75 core) and
  // zlib -1 (~1.3 cores) do not fit.
  DeflateBackend backend = DeflateBackend::kIsal;
  int level = 1;
  // Worker threads; 0 means one per core this process may run on.
  int threads = 0;
};

// Output buffers come from `output_pool` (part of the memory budget); the
// pool's buffer size must be at least output_buffer_size(settings, input
// buffer size).
std::unique_ptr<Compressor> make_compressor(const CompressionSettings& settings,
                                            BufferPool& output_pool, SliceSink sink);
std::size_t output_buffer_size(const CompressionSettings& settings, std::size_t input_buffer_size);

// How many input buffers a compressor may keep referenced after write()
// returns (blocks in flight and the dictionary of the next one). The input
// pool needs more than this, or the reader would wait for a buffer that
// only the compressor's own driver thread could release.
std::size_t input_buffers_held(const CompressionSettings& settings);
// The worker count settings.threads stands for (0: the available cores).
// Throws ConfigError when it is negative.
int compression_threads(const CompressionSettings& settings);

}  // namespace pgdump2s3::pipeline
