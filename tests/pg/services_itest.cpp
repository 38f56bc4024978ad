// The test PostgreSQL fixture answers over TCP with the password user.
#include <gtest/gtest.h>

#include "support/process.h"
#include "support/services.h"

namespace pgdump2s3::testing {
namespace {

TEST(PostgresFixture, PasswordUserConnectsOverTcp) {
  PostgresService pg = postgres();
  CommandResult r = run_command({"psql", "-qAtc", "select 1", pg.url("postgres")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "1\n");
}

}  // namespace
}  // namespace pgdump2s3::testing
