// Fixed-size buffers from a budget fixed at start (STYLE.md habit 2: memory
// is a setting, not an outcome). A stage that needs a buffer while all are
// in use waits: that wait is the backpressure between stages.
//
// Buffers are shared by reference (BufferRef) so that stages pass them on
// without copying a byte: a pg_dump read lands in a buffer, the compressor
// reads it in place, the part assembler and the uploader hold slices of the
// compressor's output buffers. A buffer returns to its pool when the last
// reference drops.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string_view>
#include <vector>

namespace pgdump2s3::pipeline {

class BufferPool;

struct Buffer {
  std::uint8_t* data = nullptr;
  std::size_t capacity = 0;
  std::size_t size = 0;  // bytes filled
  std::span<const std::uint8_t> bytes() const { return {data, size}; }
  std::span<std::uint8_t> writable() { return {data, capacity}; }
};

using BufferRef = std::shared_ptr<Buffer>;

// A range of bytes inside a buffer, keeping the buffer alive.
struct Slice {
  BufferRef buffer;
  std::size_t offset = 0;
  std::size_t length = 0;
  std::string_view view() const {
    return {reinterpret_cast<const char*>(buffer->data) + offset, length};
  }
};

// Thread-safe. The pool must outlive every BufferRef it handed out.
class BufferPool {
 public:
  // Allocates count × buffer_size bytes up front.
  BufferPool(std::size_t buffer_size, std::size_t count);
  ~BufferPool();
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  // Waits for a free buffer (size reset to 0). Returns nullptr once the pool
  // is cancelled, so that a stage blocked on memory wakes up on failure.
  BufferRef acquire();
  // Wakes every waiter; acquire() returns nullptr from now on.
  void cancel();

  std::size_t buffer_size() const { return buffer_size_; }
  std::size_t count() const { return storage_.size() / buffer_size_; }
  std::size_t free_count() const;

 private:
  void release(Buffer* buffer);

  const std::size_t buffer_size_;
  std::vector<std::uint8_t> storage_;
  std::vector<Buffer> buffers_;
  mutable std::mutex mutex_;
  std::condition_variable available_;
  std::vector<Buffer*> free_;  // guarded by mutex_
  bool cancelled_ = false;     // guarded by mutex_
};

}  // namespace pgdump2s3::pipeline
