// One knob, MAX_MEMORY, sets every buffer of a backup (DESIGN.md
// "Backpressure everywhere"): peak memory is a function of settings and the
// size estimate, never of how large the dump turns out to be.
//
//   buffers      = max_memory − kFixedOverhead          (code, libraries, heap, stacks, curl)
//                  − the compressor's private memory      (libzstd's job buffers)
//   input pool   = input_count × kInputBufferSize        (what pg_dump's pipe is read into)
//     input_count = input_buffers_held(compression) + 2  (blocks compressing, the dictionary
//                                                        block, one being read, one spare)
//   output pool  = the rest of `buffers`, in buffers of output_buffer_size(compression)
//                  (for no compression there is no output pool: the input pool is the
//                  output, and all of `buffers` goes to it)
//   part cap     = (output pool − compressor reserve) / 2
//     the part being assembled and at least one part uploading must fit at once, or the
//     pipeline would wait on itself; the schedule's part sizes are capped there
//   upload budget = output pool − compressor reserve − part cap
//                  (bytes of parts in flight; s3::max_parts_in_flight turns it into a count)
//
// The part cap bounds the largest object: the capped schedule over 10,000
// parts. When the size estimate (pg_database_size) says the dump may not
// fit, plan_memory() raises the budget until it does, and says so.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "pipeline/compressor.h"
#include "s3/part_schedule.h"

namespace pgdump2s3::pipeline {

inline constexpr std::size_t kInputBufferSize = 1 << 20;  // one pg_dump read target, one gzip block
// Measured: the Release binary with its libraries, heap, thread stacks and
// curl handles is about 17 MiB resident besides the buffers.
inline constexpr std::uint64_t kFixedOverhead = 20ull << 20;
inline constexpr std::uint64_t kMinimumMemory = 48ull << 20;

struct MemoryPlan {
  std::uint64_t max_memory = 0;     // after any raise
  bool raised = false;              // the estimate needed more than asked
  std::string raise_reason;         // one line for the log when raised
  std::size_t input_count = 0;
  std::size_t input_size = kInputBufferSize;
  std::size_t output_count = 0;     // 0: no output pool (no compression)
  std::size_t output_size = 0;
  std::uint64_t part_cap = 0;       // largest part the pipeline builds
  std::uint64_t upload_budget = 0;  // bytes of parts in flight
  std::uint64_t capacity = 0;       // largest object with the capped schedule
};

// `size_estimate`: an upper bound of the object's size if known (the
// database's size; a dump is smaller and compression shrinks it further).
MemoryPlan plan_memory(std::uint64_t max_memory, const CompressionSettings& compression,
                       std::optional<std::uint64_t> size_estimate);

// Part n's size: the schedule's, capped by the plan.
std::uint64_t planned_part_size(const MemoryPlan& plan, const s3::PartSchedule& schedule, int part_number);

}  // namespace pgdump2s3::pipeline
