#include "pipeline/identity_compressor.h"

namespace pgdump2s3::pipeline {

void IdentityCompressor::write(BufferRef input) {
  if (!input || input->size == 0) return;
  const std::size_t size = input->size;
  bytes_ += size;
  sink_(Slice{std::move(input), 0, size});
}

}  // namespace pgdump2s3::pipeline
