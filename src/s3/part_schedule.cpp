#include "s3/part_schedule.h"

#include <algorithm>

namespace pgdump2s3::s3 {

PartSchedule::PartSchedule(std::optional<std::uint64_t> size_estimate) : first_(kMinPartSize) {
  if (size_estimate) {
    std::uint64_t per_part = *size_estimate / kPartsForEstimate;
    std::uint64_t rounded = (per_part + kMiB - 1) / kMiB * kMiB;
    first_ = std::clamp(rounded, kMinPartSize, kMaxPartSize);
  }
}

std::uint64_t PartSchedule::part_size(int part_number) const {
  int doublings = std::max(0, part_number - 1) / kPartsPerDoubling;
  std::uint64_t size = first_;
  for (int i = 0; i < doublings && size < kMaxPartSize; ++i) size *= 2;
  return std::min(size, kMaxPartSize);
}

std::uint64_t PartSchedule::capacity() const {
  std::uint64_t total = 0;
  for (int n = 1; n <= kMaxParts; ++n) total += part_size(n);
  return total;
}

std::size_t max_parts_in_flight(std::uint64_t memory_budget, std::uint64_t part_size, std::size_t concurrency) {
  std::uint64_t fit = part_size == 0 ? concurrency : memory_budget / part_size;
  return static_cast<std::size_t>(std::clamp<std::uint64_t>(fit, 1, std::max<std::size_t>(concurrency, 1)));
}

}  // namespace pgdump2s3::s3
