#include "pipeline/fd_reader.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "util/error.h"

namespace pgdump2s3::pipeline {

BufferRef FdReader::next() {
  if (eof_) return nullptr;
  BufferRef buffer = pool_.acquire();
  if (!buffer) throw RuntimeError("stopped while reading the dump");
  while (buffer->size < buffer->capacity) {
    ssize_t n = ::read(fd_, buffer->data + buffer->size, buffer->capacity - buffer->size);
    if (n > 0) {
      buffer->size += static_cast<std::size_t>(n);
    } else if (n == 0) {
      eof_ = true;
      break;
    } else if (errno != EINTR) {
      throw RuntimeError(std::string("reading the dump failed: ") + std::strerror(errno));
    }
  }
  bytes_ += buffer->size;
  if (buffer->size == 0) return nullptr;
  return buffer;
}

}  // namespace pgdump2s3::pipeline
