#include "pipeline/memory_budget.h"

#include <algorithm>

#include "pipeline/zstd_compressor.h"
#include "util/byte_size.h"
#include "util/error.h"

namespace pgdump2s3::pipeline {
namespace {

std::uint64_t capped_capacity(const s3::PartSchedule& schedule, std::uint64_t cap) {
  std::uint64_t total = 0;
  for (int n = 1; n <= s3::kMaxParts; ++n) total += std::min(cap, schedule.part_size(n));
  return total;
}

// Memory a compressor allocates for itself, outside the pools: libzstd
// keeps about two jobs per worker plus one being filled, and each worker's
// context (measured: ~10 MiB with 2 workers and 2 MiB jobs at levels 1-3).
std::uint64_t compressor_private_memory(const CompressionSettings& compression) {
  if (compression.format != CompressionFormat::kZstd) return 0;
  const auto workers = static_cast<std::uint64_t>(compression_threads(compression));
  return (2 * workers + 1) * ZstdCompressor::kJobSize + workers * (1 << 20);
}

MemoryPlan plan_for(std::uint64_t max_memory, const CompressionSettings& compression) {
  MemoryPlan plan;
  plan.max_memory = max_memory;
  const std::uint64_t overhead = kFixedOverhead + compressor_private_memory(compression);
  const std::uint64_t buffers = max_memory > overhead ? max_memory - overhead : 0;
  const bool compressing = compression.format != CompressionFormat::kNone;
  std::uint64_t pool_bytes = 0;
  std::uint64_t reserve = 0;  // pool memory the compressor itself holds at once
  if (compressing) {
    plan.input_count = input_buffers_held(compression) + 2;
    plan.output_size = output_buffer_size(compression, kInputBufferSize);
    const std::uint64_t input_bytes = plan.input_count * plan.input_size;
    plan.output_count = buffers > input_bytes ? (buffers - input_bytes) / plan.output_size : 0;
    pool_bytes = plan.output_count * plan.output_size;
    // Blocks being compressed each hold an output buffer.
    reserve = input_buffers_held(compression) * plan.output_size;
  } else {
    plan.input_count = buffers / plan.input_size;
    pool_bytes = plan.input_count * plan.input_size;
    reserve = 2 * plan.input_size;  // the buffer being read and the one being handed on
  }
  const std::uint64_t usable = pool_bytes > reserve ? pool_bytes - reserve : 0;
  // Parts are whole MiB (S3 parts need not be, but round sizes read better in logs).
  plan.part_cap = std::min<std::uint64_t>(s3::kMaxPartSize, (usable / 2) & ~((std::uint64_t{1} << 20) - 1));
  plan.upload_budget = usable > plan.part_cap ? usable - plan.part_cap : 0;
  return plan;
}

}  // namespace

MemoryPlan plan_memory(std::uint64_t max_memory, const CompressionSettings& compression,
                       std::optional<std::uint64_t> size_estimate) {
  if (max_memory < kMinimumMemory) {
    throw ConfigError("MAX_MEMORY=" + human_bytes(max_memory) + " is too small: at least " +
                      human_bytes(kMinimumMemory) + " is needed (parts of 5 MiB, S3's minimum, in flight)");
  }
  const s3::PartSchedule schedule;
  MemoryPlan plan = plan_for(max_memory, compression);
  if (plan.part_cap < s3::kMinPartSize) {
    throw ConfigError("MAX_MEMORY=" + human_bytes(max_memory) +
                      " leaves no room for a 5 MiB part with these compression settings: raise it");
  }
  plan.capacity = capped_capacity(schedule, plan.part_cap);
  const std::uint64_t wanted = size_estimate.value_or(0);
  while (plan.capacity < wanted && plan.part_cap < s3::kMaxPartSize) {
    // Double the memory until the estimate fits in 10,000 capped parts.
    plan = plan_for(max_memory = max_memory * 2, compression);
    plan.capacity = capped_capacity(schedule, plan.part_cap);
    plan.raised = true;
  }
  if (plan.raised) {
    plan.raise_reason = "the database is " + human_bytes(wanted) + ": parts up to " + human_bytes(plan.part_cap) +
                        " are needed to fit it in S3's 10,000 parts, so the memory budget is raised to " +
                        human_bytes(plan.max_memory) + " (set MAX_MEMORY to choose it)";
  }
  return plan;
}

std::uint64_t planned_part_size(const MemoryPlan& plan, const s3::PartSchedule& schedule, int part_number) {
  return std::min(plan.part_cap, schedule.part_size(part_number));
}

}  // namespace pgdump2s3::pipeline
