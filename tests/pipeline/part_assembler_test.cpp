#include "pipeline/part_assembler.h"

#include <gtest/gtest.h>

#include <cstring>

namespace pgdump2s3::pipeline {
namespace {

// Feeds `total` bytes in slices of `slice_size` through an assembler with
// a fixed part size; returns the parts and checks the bytes come out intact.
std::vector<Part> assemble(BufferPool& pool, std::size_t total, std::size_t slice_size,
                           std::uint64_t part_size) {
  std::vector<Part> parts;
  PartAssembler a([&](int) { return part_size; }, [&](Part p) { parts.push_back(std::move(p)); });
  std::string expected;
  for (std::size_t done = 0; done < total;) {
    BufferRef b = pool.acquire();
    std::size_t n = std::min(slice_size, total - done);
    for (std::size_t i = 0; i < n; ++i) b->data[i] = static_cast<std::uint8_t>((done + i) * 7);
    b->size = n;
    expected.append(reinterpret_cast<char*>(b->data), n);
    a.add(Slice{b, 0, n});
    done += n;
  }
  a.finish();
  std::string joined;
  for (const Part& p : parts) {
    for (const Slice& s : p.slices) joined += s.view();
  }
  EXPECT_EQ(joined, expected);
  return parts;
}

TEST(PartAssembler, EmptyStreamIsOneEmptyLastPart) {
  BufferPool pool(16, 4);
  auto parts = assemble(pool, 0, 16, 100);
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_TRUE(parts[0].last);
  EXPECT_EQ(parts[0].size, 0u);
  EXPECT_EQ(parts[0].number, 1);
}

TEST(PartAssembler, ExactlyOnePartSizeIsOnePart) {
  BufferPool pool(10, 100);
  auto parts = assemble(pool, 100, 10, 100);
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_TRUE(parts[0].last);
  EXPECT_EQ(parts[0].size, 100u);
}

TEST(PartAssembler, SplitsSlicesAcrossPartBoundaries) {
  BufferPool pool(7, 100);
  auto parts = assemble(pool, 250, 7, 100);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].size, 100u);
  EXPECT_EQ(parts[1].size, 100u);
  EXPECT_EQ(parts[2].size, 50u);
  EXPECT_FALSE(parts[0].last);
  EXPECT_TRUE(parts[2].last);
  EXPECT_EQ(parts[2].number, 3);
}

TEST(PartAssembler, PartSizesFollowTheSchedule) {
  BufferPool pool(5, 200);
  std::vector<Part> parts;
  PartAssembler a([](int n) { return static_cast<std::uint64_t>(10 * n); },
                  [&](Part p) { parts.push_back(std::move(p)); });
  for (int i = 0; i < 120; ++i) {
    BufferRef b = pool.acquire();
    b->size = 5;
    a.add(Slice{b, 0, 5});
  }
  a.finish();
  ASSERT_GE(parts.size(), 4u);
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) EXPECT_EQ(parts[i].size, 10u * (i + 1));
}

}  // namespace
}  // namespace pgdump2s3::pipeline
