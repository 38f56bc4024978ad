#include "s3/retry_policy.h"

#include <gtest/gtest.h>

namespace pgdump2s3::s3 {
namespace {

TEST(RetryPolicy, CeilingDoublesUpToTheCap) {
  RetryPolicy p;
  p.base_delay = std::chrono::milliseconds(100);
  p.max_delay = std::chrono::milliseconds(1000);
  EXPECT_EQ(p.backoff_ceiling(1).count(), 100);
  EXPECT_EQ(p.backoff_ceiling(2).count(), 200);
  EXPECT_EQ(p.backoff_ceiling(4).count(), 800);
  EXPECT_EQ(p.backoff_ceiling(5).count(), 1000);
  EXPECT_EQ(p.backoff_ceiling(100).count(), 1000);  // no overflow
}

TEST(RetryPolicy, FullJitterSpreadsOverTheWholeInterval) {
  RetryPolicy p;
  p.base_delay = std::chrono::milliseconds(100);
  p.max_delay = std::chrono::milliseconds(400);
  std::mt19937_64 random(42);
  long lowest = 1'000'000, highest = -1;
  for (int i = 0; i < 2000; ++i) {
    long d = p.backoff(3, random).count();
    ASSERT_GE(d, 0);
    ASSERT_LE(d, 400);
    lowest = std::min(lowest, d);
    highest = std::max(highest, d);
  }
  EXPECT_LT(lowest, 40);    // full jitter reaches down to zero...
  EXPECT_GT(highest, 360);  // ...and up to the ceiling
}

}  // namespace
}  // namespace pgdump2s3::s3
