#include "pipeline/buffer_pool.h"

#include <stdexcept>

namespace pgdump2s3::pipeline {

BufferPool::BufferPool(std::size_t buffer_size, std::size_t count)
    : buffer_size_(buffer_size), storage_(buffer_size * count), buffers_(count) {
  if (buffer_size == 0 || count == 0) throw std::invalid_argument("BufferPool needs buffers");
  free_.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    buffers_[i].data = storage_.data() + i * buffer_size;
    buffers_[i].capacity = buffer_size;
    free_.push_back(&buffers_[i]);
  }
}

BufferPool::~BufferPool() = default;

BufferRef BufferPool::acquire() {
  std::unique_lock lock(mutex_);
  available_.wait(lock, [&] { return cancelled_ || !free_.empty(); });
  if (cancelled_) return nullptr;
  Buffer* b = free_.back();
  free_.pop_back();
  b->size = 0;
  return BufferRef(b, [this](Buffer* released) { release(released); });
}

void BufferPool::release(Buffer* buffer) {
  {
    std::lock_guard lock(mutex_);
    free_.push_back(buffer);
  }
  available_.notify_one();
}

void BufferPool::cancel() {
  {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
  }
  available_.notify_all();
}

std::size_t BufferPool::free_count() const {
  std::lock_guard lock(mutex_);
  return free_.size();
}

}  // namespace pgdump2s3::pipeline
