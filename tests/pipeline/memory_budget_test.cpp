#include "pipeline/memory_budget.h"

#include <gtest/gtest.h>

#include "util/error.h"

namespace pgdump2s3::pipeline {
namespace {

constexpr std::uint64_t kMiB = 1 << 20;

CompressionSettings gzip() {
  CompressionSettings s;
  s.format = CompressionFormat::kGzip;
  s.threads = 2;
  return s;
}

// Everything the plan allocates stays within MAX_MEMORY minus the fixed
// overhead, and the part being assembled plus the parts in flight fit in
// the pool beside the compressor's own buffers (else the pipeline would
// wait on itself).
void expect_consistent(const MemoryPlan& plan, const CompressionSettings& c) {
  const std::uint64_t input = plan.input_count * plan.input_size;
  const std::uint64_t output = plan.output_count * plan.output_size;
  EXPECT_LE(input + output, plan.max_memory - kFixedOverhead);
  const std::uint64_t pool = c.format == CompressionFormat::kNone ? input : output;
  EXPECT_LE(plan.part_cap + plan.upload_budget, pool);
  EXPECT_GE(plan.part_cap, s3::kMinPartSize);
  EXPECT_LE(plan.part_cap, s3::kMaxPartSize);
}

TEST(MemoryBudget, DefaultsFitSixtyFourMiB) {
  for (CompressionFormat f : {CompressionFormat::kGzip, CompressionFormat::kNone, CompressionFormat::kZstd}) {
    CompressionSettings c = gzip();
    c.format = f;
    MemoryPlan plan = plan_memory(64 * kMiB, c, std::nullopt);
    EXPECT_EQ(plan.max_memory, 64 * kMiB);
    EXPECT_FALSE(plan.raised);
    expect_consistent(plan, c);
    // At least one 5 MiB part can upload while the next is assembled.
    EXPECT_GE(plan.upload_budget, s3::kMinPartSize);
  }
}

TEST(MemoryBudget, PartsAreCappedByTheBudgetAndGrowNoFurther) {
  MemoryPlan plan = plan_memory(64 * kMiB, gzip(), std::nullopt);
  s3::PartSchedule schedule;
  for (int n = 1; n <= s3::kMaxParts; n += 499) {
    EXPECT_LE(planned_part_size(plan, schedule, n), plan.part_cap);
    EXPECT_GE(planned_part_size(plan, schedule, n), s3::kMinPartSize);
  }
}

TEST(MemoryBudget, ALargeDatabaseRaisesTheBudgetUntilItFits) {
  const std::uint64_t two_tib = 2ull << 40;
  MemoryPlan plan = plan_memory(64 * kMiB, gzip(), two_tib);
  EXPECT_TRUE(plan.raised);
  EXPECT_GE(plan.capacity, two_tib);
  EXPECT_GT(plan.max_memory, 64 * kMiB);
  EXPECT_NE(plan.raise_reason.find("MAX_MEMORY"), std::string::npos);
  expect_consistent(plan, gzip());
}

TEST(MemoryBudget, ASmallDatabaseKeepsTheBudget) {
  MemoryPlan plan = plan_memory(64 * kMiB, gzip(), 2ull << 30);
  EXPECT_FALSE(plan.raised);
  EXPECT_GE(plan.capacity, 2ull << 30);
}

TEST(MemoryBudget, TooLittleMemoryIsAConfigError) {
  EXPECT_THROW(plan_memory(16 * kMiB, gzip(), std::nullopt), ConfigError);
  EXPECT_NO_THROW(plan_memory(kMinimumMemory, gzip(), std::nullopt));
}

}  // namespace
}  // namespace pgdump2s3::pipeline
