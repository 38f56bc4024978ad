#include "util/byte_size.h"

#include <gtest/gtest.h>

namespace pgdump2s3 {
namespace {

TEST(ByteSize, ParsesBinaryUnits) {
  EXPECT_EQ(parse_byte_size("64MiB"), 64u << 20);
  EXPECT_EQ(parse_byte_size("64M"), 64u << 20);
  EXPECT_EQ(parse_byte_size("64 mb"), 64u << 20);
  EXPECT_EQ(parse_byte_size("1G"), 1u << 30);
  EXPECT_EQ(parse_byte_size("512k"), 512u << 10);
  EXPECT_EQ(parse_byte_size("1048576"), 1048576u);
  EXPECT_EQ(parse_byte_size("2T"), 2ull << 40);
}

TEST(ByteSize, RefusesWhatIsNotASize) {
  EXPECT_FALSE(parse_byte_size(""));
  EXPECT_FALSE(parse_byte_size("MiB"));
  EXPECT_FALSE(parse_byte_size("-1M"));
  EXPECT_FALSE(parse_byte_size("12 parsecs"));
  EXPECT_FALSE(parse_byte_size("99999999999999999999"));
  EXPECT_FALSE(parse_byte_size("99999999999T"));
}

TEST(ByteSize, PrintsForPeople) {
  EXPECT_EQ(human_bytes(7), "7 B");
  EXPECT_EQ(human_bytes(1536), "1.50 KiB");
  EXPECT_EQ(human_bytes(64u << 20), "64.0 MiB");
  EXPECT_EQ(human_bytes(3ull << 30), "3.00 GiB");
}

}  // namespace
}  // namespace pgdump2s3
