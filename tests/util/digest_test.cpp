#include "util/digest.h"

#include <gtest/gtest.h>

namespace pgdump2s3 {
namespace {

// Known answers: FIPS 180-2 "abc", RFC 1321 "abc", RFC 4231 test case 2.
TEST(Digest, Sha256KnownAnswer) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Digest, Md5KnownAnswer) { EXPECT_EQ(hex_lower(md5("abc")), "900150983cd24fb0d6963f7d28e17f72"); }

TEST(Digest, HmacSha256Rfc4231Case2) {
  EXPECT_EQ(hex_lower(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Digest, Base64RoundTrip) {
  const std::string data = "\x01\x02\xff hello";
  std::string encoded = base64({reinterpret_cast<const std::uint8_t*>(data.data()), data.size()});
  std::string decoded;
  ASSERT_TRUE(base64_decode(encoded, decoded));
  EXPECT_EQ(decoded, data);
  EXPECT_EQ(base64({reinterpret_cast<const std::uint8_t*>("ab"), 2}), "YWI=");
  EXPECT_FALSE(base64_decode("abc", decoded));
}

TEST(Digest, StreamingMatchesOneShot) {
  StreamingDigest d(StreamingDigest::Kind::kSha256);
  d.update("a");
  d.update("bc");
  EXPECT_EQ(d.finish_hex(), sha256_hex("abc"));
}

}  // namespace
}  // namespace pgdump2s3
