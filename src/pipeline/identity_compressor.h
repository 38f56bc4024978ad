// No compression (CompressionFormat::kNone): the input slices go to the sink
// as they are, the same buffers, not a byte copied. The sink therefore holds
// input buffers (ring slots) for as long as downstream keeps the slices.
#pragma once

#include <atomic>

#include "pipeline/compressor.h"

namespace pgdump2s3::pipeline {

// Driver thread only, like the sink; the counters may be read from any thread.
class IdentityCompressor final : public Compressor {
 public:
  explicit IdentityCompressor(SliceSink sink) : sink_(std::move(sink)) {}

  void write(BufferRef input) override;
  void finish() override {}
  void cancel() override {}

  std::uint64_t bytes_in() const override { return bytes_; }
  std::uint64_t bytes_out() const override { return bytes_; }

 private:
  const SliceSink sink_;
  std::atomic<std::uint64_t> bytes_{0};
};

}  // namespace pgdump2s3::pipeline
