#include "s3/part_schedule.h"

#include <gtest/gtest.h>

namespace pgdump2s3::s3 {
namespace {

// The bound of STYLE.md habit 4, over the whole range of estimates: any
// object up to 5 TiB fits in 10,000 parts, no part over 5 GiB, every part at
// least 5 MiB (so every non-last part is valid), and sizes never decrease.
TEST(PartSchedule, AnyObjectUpTo5TiBFitsIn10000PartsOfValidSize) {
  std::vector<std::optional<std::uint64_t>> estimates = {std::nullopt, 0, 1, 5 * kMiB - 1, 100 * kMiB, kGiB,
                                                         37 * kGiB + 12345, 500 * kGiB, kTiB, 5 * kTiB, 50 * kTiB};
  for (std::uint64_t e = 1; e < 64 * kTiB; e = e * 3 + 7) estimates.push_back(e);
  for (const auto& estimate : estimates) {
    PartSchedule schedule(estimate);
    SCOPED_TRACE(estimate ? std::to_string(*estimate) : "none");
    std::uint64_t total = 0;
    std::uint64_t previous = 0;
    for (int n = 1; n <= kMaxParts; ++n) {
      std::uint64_t size = schedule.part_size(n);
      ASSERT_LE(size, kMaxPartSize) << "part " << n;
      ASSERT_GE(size, kMinPartSize) << "part " << n;
      ASSERT_GE(size, previous) << "part " << n;
      previous = size;
      total += size;
    }
    EXPECT_GE(total, kMaxObjectSize);
    EXPECT_EQ(total, schedule.capacity());
  }
}

TEST(PartSchedule, StartsAt5MiBAndDoublesEvery500Parts) {
  PartSchedule schedule;
  EXPECT_EQ(schedule.first_part_size(), 5 * kMiB);
  EXPECT_EQ(schedule.part_size(500), 5 * kMiB);
  EXPECT_EQ(schedule.part_size(501), 10 * kMiB);
  EXPECT_EQ(schedule.part_size(1001), 20 * kMiB);
  EXPECT_EQ(schedule.part_size(10'000), 5 * kGiB);
}

TEST(PartSchedule, TheEstimateFitsInAbout1000FirstSizeParts) {
  EXPECT_EQ(PartSchedule(100 * kGiB).first_part_size(), 103 * kMiB);  // 102.4 MiB rounded up
  EXPECT_EQ(PartSchedule(1 * kGiB).first_part_size(), 5 * kMiB);      // never below S3's minimum
  EXPECT_EQ(PartSchedule(50 * kTiB).first_part_size(), kMaxPartSize);  // never above its maximum
}

// in_flight = clamp(floor(budget / part_size), 1, concurrency), and so
// in_flight × part_size ≤ max(budget, part_size).
TEST(MaxPartsInFlight, FewerPartsInFlightAsPartsGrow) {
  EXPECT_EQ(max_parts_in_flight(512 * kMiB, 5 * kMiB, 8), 8u);     // concurrency bounds
  EXPECT_EQ(max_parts_in_flight(512 * kMiB, 100 * kMiB, 8), 5u);   // the budget bounds
  EXPECT_EQ(max_parts_in_flight(512 * kMiB, 512 * kMiB, 8), 1u);
  EXPECT_EQ(max_parts_in_flight(512 * kMiB, 5 * kGiB, 8), 1u);     // one part always moves
  EXPECT_EQ(max_parts_in_flight(0, 5 * kMiB, 4), 1u);
  for (std::uint64_t budget : {64 * kMiB, 1 * kGiB, 10 * kGiB}) {
    PartSchedule schedule;
    std::size_t previous = 64;
    for (int n = 1; n <= kMaxParts; n += 97) {
      std::uint64_t part = schedule.part_size(n);
      std::size_t in_flight = max_parts_in_flight(budget, part, 64);
      EXPECT_LE(in_flight * part, std::max(budget, part)) << "budget " << budget << " part " << n;
      EXPECT_LE(in_flight, previous);  // growing parts: never more in flight
      previous = in_flight;
    }
  }
}

}  // namespace
}  // namespace pgdump2s3::s3
