// PG_DUMP_ARGS is split as sh would split it, with nothing expanded.
#include "pg/shell_words.h"

#include <gtest/gtest.h>

#include "util/error.h"

namespace pgdump2s3::pg {
namespace {

using Words = std::vector<std::string>;

Words split(std::string_view text) { return split_shell_words(text, "PG_DUMP_ARGS"); }

TEST(ShellWords, SplitsOnBlanks) {
  EXPECT_EQ(split("  --no-owner\t--clean \n -Fc  "), (Words{"--no-owner", "--clean", "-Fc"}));
  EXPECT_EQ(split(""), Words{});
  EXPECT_EQ(split(" \t\n"), Words{});
}

TEST(ShellWords, SingleQuotesKeepEverything) {
  EXPECT_EQ(split(R"(-t 'my table' --x='a "b" \c $HOME')"), (Words{"-t", "my table", R"(--x=a "b" \c $HOME)"}));
}

TEST(ShellWords, DoubleQuotesHonourOnlyTheirBackslashEscapes) {
  EXPECT_EQ(split(R"("a \"b\" \\ \$ \` \n c")"), (Words{R"(a "b" \ $ ` \n c)"}));
  EXPECT_EQ(split("\"line\\\njoined\""), (Words{"linejoined"}));
}

TEST(ShellWords, UnquotedBackslashQuotesTheNextCharacter) {
  EXPECT_EQ(split(R"(my\ table \'x\' a\\b)"), (Words{"my table", "'x'", R"(a\b)"}));
  EXPECT_EQ(split("--a \\\n--b"), (Words{"--a", "--b"}));  // line continuation
  EXPECT_EQ(split("trailing\\"), (Words{"trailing\\"}));
}

TEST(ShellWords, QuotesJoinAdjacentPartsAndMakeEmptyWords) {
  EXPECT_EQ(split(R"(--table='public'."Mixed Case"x)"), (Words{"--table=public.Mixed Casex"}));
  EXPECT_EQ(split(R"('' "" a'')"), (Words{"", "", "a"}));
}

TEST(ShellWords, ExpandsNothing) {
  EXPECT_EQ(split("-t public.* $TABLE `date` ~ a;b|c"), (Words{"-t", "public.*", "$TABLE", "`date`", "~", "a;b|c"}));
}

TEST(ShellWords, UnterminatedQuotesAreConfigErrors) {
  EXPECT_THROW(split("--table='oops"), ConfigError);
  try {
    split(R"(-t "half)");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), R"(PG_DUMP_ARGS: unterminated double quote in "-t "half")");
  }
}

}  // namespace
}  // namespace pgdump2s3::pg
