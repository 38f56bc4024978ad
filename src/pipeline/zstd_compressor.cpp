#include "pipeline/zstd_compressor.h"

#include <stdexcept>
#include <string>

#include "util/error.h"

namespace pgdump2s3::pipeline {

namespace {

void check(std::size_t result, const char* what) {
  if (ZSTD_isError(result)) throw RuntimeError(std::string("zstd ") + what + " failed: " + ZSTD_getErrorName(result));
}

}  // namespace

ZstdCompressor::ZstdCompressor(int level, int threads, BufferPool& output_pool, SliceSink sink)
    : output_pool_(output_pool), sink_(std::move(sink)), context_(ZSTD_createCCtx()) {
  if (context_ == nullptr) throw RuntimeError("zstd ZSTD_createCCtx failed (out of memory?)");
  if (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel()) {
    ZSTD_freeCCtx(context_);
    throw ConfigError("zstd compression level " + std::to_string(level) + " is out of range (" +
                      std::to_string(ZSTD_minCLevel()) + " to " + std::to_string(ZSTD_maxCLevel()) + ")");
  }
  try {
    check(ZSTD_CCtx_setParameter(context_, ZSTD_c_compressionLevel, level), "compression level");
    check(ZSTD_CCtx_setParameter(context_, ZSTD_c_checksumFlag, 1), "checksum flag");
    // nbWorkers >= 1: compression runs on libzstd's threads and
    // ZSTD_compressStream2 returns without waiting for it (zstd.h).
    check(ZSTD_CCtx_setParameter(context_, ZSTD_c_nbWorkers, threads), "worker count (built without threads?)");
    // libzstd sizes each worker's job from the window (4 windows, 8 MiB at
    // level 3) and keeps about two jobs per worker buffered: ~50 MiB outside
    // the MAX_MEMORY budget. Jobs of kJobSize keep it to a few MiB
    // (kMemoryEstimate) at a small cost in ratio.
    check(ZSTD_CCtx_setParameter(context_, ZSTD_c_jobSize, static_cast<int>(kJobSize)), "job size");
  } catch (...) {
    ZSTD_freeCCtx(context_);
    throw;
  }
}

// Frees the context, which joins libzstd's workers.
ZstdCompressor::~ZstdCompressor() { ZSTD_freeCCtx(context_); }

void ZstdCompressor::write(BufferRef input) {
  if (finished_) throw std::logic_error("Compressor used after finish()");
  if (failed_) throw RuntimeError("zstd compression already failed");
  const std::size_t size = input ? input->size : 0;
  bytes_in_ += size;
  if (size == 0) return;
  ZSTD_inBuffer in{input->data, size, 0};
  compress(in, ZSTD_e_continue);
}

void ZstdCompressor::finish() {
  if (finished_) throw std::logic_error("Compressor used after finish()");
  if (failed_) throw RuntimeError("zstd compression already failed");
  ZSTD_inBuffer in{nullptr, 0, 0};
  compress(in, ZSTD_e_end);
  finished_ = true;
}

void ZstdCompressor::compress(ZSTD_inBuffer& input, ZSTD_EndDirective directive) {
  try {
    for (;;) {
      if (cancelled_) throw RuntimeError("zstd compression stopped: the pipeline was cancelled");
      if (!output_ || output_->size == output_->capacity) {
        output_.reset();                    // a full buffer goes back as soon as downstream is done
        output_ = output_pool_.acquire();  // waits while downstream holds every buffer
        emitted_upto_ = 0;
        if (!output_) throw RuntimeError("zstd compression stopped: the pipeline was cancelled");
      }
      ZSTD_outBuffer out{output_->data, output_->capacity, output_->size};
      const std::size_t remaining = ZSTD_compressStream2(context_, &out, &input, directive);
      check(remaining, "ZSTD_compressStream2");
      output_->size = out.pos;
      emit_pending();
      // zstd.h: with ZSTD_e_continue the input is consumed when pos == size;
      // with ZSTD_e_end the frame is complete when the call returns 0.
      const bool done = directive == ZSTD_e_end ? remaining == 0 : input.pos == input.size;
      if (done) break;
    }
    if (directive == ZSTD_e_end) output_.reset();
  } catch (...) {
    failed_ = true;
    throw;
  }
}

void ZstdCompressor::emit_pending() {
  const std::size_t length = output_->size - emitted_upto_;
  if (length == 0) return;
  Slice slice{output_, emitted_upto_, length};
  emitted_upto_ = output_->size;
  bytes_out_ += length;
  sink_(std::move(slice));
}

}  // namespace pgdump2s3::pipeline
