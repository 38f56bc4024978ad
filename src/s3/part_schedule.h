// Part sizes for a multipart upload of a stream whose length is unknown
// until it ends (pg_dump's output), and how many parts may be in flight
// within a memory budget.
//
// S3 limits (AWS S3 docs, "Amazon S3 multipart upload limits"): at most
// 10,000 parts; every part but the last 5 MiB to 5 GiB; objects up to 5 TiB.
// A fixed part size cannot serve both small and huge dumps (5 MiB parts stop
// at 48.8 GiB), so the size starts small and doubles every
// kPartsPerDoubling parts, capped at 5 GiB (pgBackRest, ClickHouse do the
// same). part_schedule_test proves that any object up to 5 TiB fits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace pgdump2s3::s3 {

inline constexpr std::uint64_t kMiB = 1024 * 1024;
inline constexpr std::uint64_t kGiB = 1024 * kMiB;
inline constexpr std::uint64_t kTiB = 1024 * kGiB;
inline constexpr std::uint64_t kMinPartSize = 5 * kMiB;
inline constexpr std::uint64_t kMaxPartSize = 5 * kGiB;
inline constexpr int kMaxParts = 10'000;
inline constexpr std::uint64_t kMaxObjectSize = 5 * kTiB;

class PartSchedule {
 public:
  // With 5 MiB parts doubling every 500 parts the 10,000 parts hold 5 TiB
  // with room to spare (≈ 26.9 TiB; every 1,000 would give only 4.88 TiB).
  static constexpr int kPartsPerDoubling = 500;
  // The estimate (e.g. the database's size) should fit in about this many
  // parts of the first size, leaving the doublings for a bad estimate.
  static constexpr int kPartsForEstimate = 1'000;

  // First part size: kMinPartSize, or estimate / kPartsForEstimate when that
  // is larger, rounded up to a whole MiB, at most kMaxPartSize.
  explicit PartSchedule(std::optional<std::uint64_t> size_estimate = std::nullopt);

  // Size of part `part_number` (1..kMaxParts): first × 2^((n-1) / 500), at
  // most 5 GiB. Never decreases with n.
  std::uint64_t part_size(int part_number) const;
  std::uint64_t first_part_size() const { return first_; }
  // The sum of all kMaxParts sizes: the largest object this schedule uploads.
  std::uint64_t capacity() const;

 private:
  std::uint64_t first_;
};

// How many parts may be in flight (handed to the uploader and not yet
// acknowledged by S3) at once:
//
//   in_flight = clamp(floor(memory_budget / part_size), 1, concurrency)
//
// so that in_flight × part_size ≤ memory_budget: as parts grow, fewer are in
// flight rather than more memory used. One part is always allowed (else
// nothing moves); a part larger than the whole budget then uses part_size.
// Parts never shrink (PartSchedule), so parts still in flight are no larger
// than the one being admitted, and the bound holds for the mix as well.
std::size_t max_parts_in_flight(std::uint64_t memory_budget, std::uint64_t part_size, std::size_t concurrency);

}  // namespace pgdump2s3::s3
