// Reads a pipe (pg_dump's or tar's stdout) straight into pool buffers: the
// kernel copies into the buffer that the compressor then reads in place, so
// no stage copies the dump's bytes. A buffer is handed on when full or at
// the end of the input.
//
// Threads: one owner (the driver thread).
#pragma once

#include <cstdint>

#include "pipeline/buffer_pool.h"

namespace pgdump2s3::pipeline {

class FdReader {
 public:
  FdReader(int fd, BufferPool& pool) : fd_(fd), pool_(pool) {}

  // The next filled buffer; nullptr at the end of the input. Waits for a
  // free buffer first (backpressure: pg_dump then blocks on its pipe).
  // Throws RuntimeError on a read error or when the pool was cancelled.
  BufferRef next();
  std::uint64_t bytes() const { return bytes_; }

 private:
  int fd_;
  BufferPool& pool_;
  bool eof_ = false;
  std::uint64_t bytes_ = 0;
};

}  // namespace pgdump2s3::pipeline
