// zstd (RFC 8878) output for `*.zst` destinations: libzstd's own
// multithreaded streaming compressor (ZSTD_c_nbWorkers, zstd.h), which cuts
// the input into jobs, compresses them on its worker threads and joins them
// into one frame. A content checksum is added (ZSTD_c_checksumFlag) so that
// `zstd -t` checks the whole backup.
//
// Threads: write(), finish() and the sink run on the driver thread; libzstd
// copies what it is given into its own job buffers (bounded by its worker
// count and job size) and its workers compress from there. Output goes into
// buffers from the pool; each write() emits what the frame has grown by as a
// slice of the current buffer, so one buffer carries several slices.
#pragma once

#include <zstd.h>

#include <atomic>

#include "pipeline/compressor.h"

namespace pgdump2s3::pipeline {

class ZstdCompressor final : public Compressor {
 public:
  static constexpr std::size_t kJobSize = 2 << 20;
  // `threads` is already resolved (at least 1). Throws ConfigError for a
  // level outside ZSTD_minCLevel()..ZSTD_maxCLevel().
  ZstdCompressor(int level, int threads, BufferPool& output_pool, SliceSink sink);
  ~ZstdCompressor() override;
  ZstdCompressor(const ZstdCompressor&) = delete;
  ZstdCompressor& operator=(const ZstdCompressor&) = delete;

  void write(BufferRef input) override;
  void finish() override;
  void cancel() override { cancelled_ = true; }

  std::uint64_t bytes_in() const override { return bytes_in_; }
  std::uint64_t bytes_out() const override { return bytes_out_; }

 private:
  // Runs ZSTD_compressStream2 until `input` is consumed (ZSTD_e_continue) or
  // the frame is complete (ZSTD_e_end), emitting output as it goes.
  void compress(ZSTD_inBuffer& input, ZSTD_EndDirective directive);
  void emit_pending();

  BufferPool& output_pool_;
  const SliceSink sink_;
  ZSTD_CCtx* context_;
  BufferRef output_;              // the buffer being filled
  std::size_t emitted_upto_ = 0;  // bytes of output_ already handed to the sink
  bool finished_ = false;
  bool failed_ = false;
  std::atomic<bool> cancelled_{false};
  std::atomic<std::uint64_t> bytes_in_{0};
  std::atomic<std::uint64_t> bytes_out_{0};
};

}  // namespace pgdump2s3::pipeline
