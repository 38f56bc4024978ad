// The Authorization header per token kind, as fly-go sends it (NOTES.md §1).
#include <gtest/gtest.h>

#include "fly/api_token.h"

namespace pgdump2s3::fly {
namespace {

TEST(ApiToken, MacaroonTokensAreSentAsFlyV1) {
  EXPECT_EQ(authorization_header("fm2_abcdef"), "FlyV1 fm2_abcdef");
  EXPECT_EQ(authorization_header("fm1r_abcdef"), "FlyV1 fm1r_abcdef");
  EXPECT_EQ(authorization_header("fm1a_abcdef"), "FlyV1 fm1a_abcdef");
  // `fly tokens create` prints several comma-separated macaroons.
  EXPECT_EQ(authorization_header("fm2_one,fm2_two"), "FlyV1 fm2_one,fm2_two");
}

TEST(ApiToken, OtherTokensAreSentAsBearer) {
  EXPECT_EQ(authorization_header("personal-access-token"), "Bearer personal-access-token");
}

TEST(ApiToken, APastedSchemeIsNotSentTwice) {
  EXPECT_EQ(authorization_header("FlyV1 fm2_abc"), "FlyV1 fm2_abc");
  EXPECT_EQ(authorization_header("Bearer fm2_abc"), "FlyV1 fm2_abc");
  EXPECT_EQ(authorization_header("Bearer oldtoken"), "Bearer oldtoken");
  EXPECT_EQ(authorization_header("  fm2_abc\n"), "FlyV1 fm2_abc");
  EXPECT_EQ(bare_token(" FlyV1  fm2_abc "), "fm2_abc");
}

}  // namespace
}  // namespace pgdump2s3::fly
