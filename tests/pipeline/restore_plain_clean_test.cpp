// The --clean section of a plain dump, made to tolerate missing objects:
// exactly its DROP statements are wrapped, everything else passes through
// byte for byte, however the stream is cut into pieces.
#include <gtest/gtest.h>

#include <string>

#include "pipeline/restore_plain_clean.h"

namespace pgdump2s3::pipeline {
namespace {

// The start of pg_dump 15.20 --format=plain --clean output (the sample database).
const std::string kHeader =
    "--\n-- PostgreSQL database dump\n--\n\n\\restrict xh2rfgBRQ283Y3ez\n\n"
    "-- Dumped from database version 15.20 (Debian 15.20-0+deb12u1)\n"
    "-- Dumped by pg_dump version 15.20 (Debian 15.20-0+deb12u1)\n\n"
    "SET statement_timeout = 0;\nSET client_encoding = 'UTF8';\n"
    "SELECT pg_catalog.set_config('search_path', '', false);\nSET row_security = off;\n\n";
const std::string kDrops =
    "ALTER TABLE ONLY public.orders DROP CONSTRAINT orders_customer_id_fkey;\n"
    "SELECT pg_catalog.lo_unlink('16434');\n"
    "ALTER TABLE public.orders ALTER COLUMN id DROP DEFAULT;\n"
    "DROP TABLE public.\"Ünïcode Táble\";\n"
    "DROP SEQUENCE public.orders_id_seq;\n";
const std::string kBody =
    "SET default_tablespace = '';\n\n--\n-- Name: orders; Type: TABLE; Schema: public; Owner: -\n--\n\n"
    "CREATE TABLE public.orders (\n    id bigint NOT NULL\n);\n\n"
    "CREATE FUNCTION public.f() RETURNS void AS $$\nDROP TABLE public.x;\n$$ LANGUAGE sql;\n"
    "DROP TABLE public.late;\n"
    "--\n-- PostgreSQL database dump complete\n--\n\n\\unrestrict xh2rfgBRQ283Y3ez\n\n";

std::string filtered(const std::string& input, std::size_t piece, int* guarded = nullptr) {
  std::string out;
  PlainCleanSection section([&out](std::string_view bytes) { out.append(bytes); });
  for (std::size_t at = 0; at < input.size(); at += piece) section.write(std::string_view(input).substr(at, piece));
  section.finish();
  if (guarded != nullptr) *guarded = section.guarded_statements();
  return out;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t nl = text.find('\n'); nl != std::string::npos; nl = text.find('\n', start)) {
    out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  if (start < text.size()) out.push_back(text.substr(start));
  return out;
}

TEST(PlainCleanSection, WrapsEachDropOfTheCleanSectionOnly) {
  int guarded = 0;
  const std::string out = filtered(kHeader + kDrops + kBody, 1 << 20, &guarded);
  EXPECT_EQ(guarded, 5);
  ASSERT_TRUE(out.starts_with(kHeader));
  ASSERT_TRUE(out.ends_with(kBody));
  // One line per statement still (psql's line numbers in errors stay right).
  const std::vector<std::string> wrapped = lines(out.substr(kHeader.size(), out.size() - kHeader.size() - kBody.size()));
  const std::vector<std::string> drops = lines(kDrops);
  ASSERT_EQ(wrapped.size(), drops.size());
  for (std::size_t i = 0; i < drops.size(); ++i) {
    const std::string statement = drops[i].substr(0, drops[i].size() - 1);  // without ';'
    EXPECT_TRUE(wrapped[i].starts_with("DO $pgdump2s3_clean$BEGIN EXECUTE $pgdump2s3_drop$" + statement +
                                       "$pgdump2s3_drop$; EXCEPTION WHEN undefined_table OR undefined_object"))
        << wrapped[i];
    EXPECT_TRUE(wrapped[i].ends_with(" END $pgdump2s3_clean$;")) << wrapped[i];
  }
}

TEST(PlainCleanSection, SameOutputWhateverThePieces) {
  const std::string input = kHeader + kDrops + kBody;
  const std::string whole = filtered(input, input.size());
  for (std::size_t piece : {1, 2, 7, 64, 333}) EXPECT_EQ(filtered(input, piece), whole) << "pieces of " << piece;
}

TEST(PlainCleanSection, DumpWithoutCleanPassesUntouched) {
  int guarded = -1;
  const std::string input = kHeader + kBody;
  EXPECT_EQ(filtered(input, 5, &guarded), input);
  EXPECT_EQ(guarded, 0);
}

TEST(PlainCleanSection, OtherStreamsPassUntouched) {
  const std::string sql = "DROP TABLE t;\nCREATE TABLE t (a int);\n";
  EXPECT_EQ(filtered(sql, 3), sql);
  const std::string no_newline_at_end = kHeader + "DROP TABLE public.t;";
  int guarded = 0;
  const std::string out = filtered(no_newline_at_end, 4, &guarded);
  EXPECT_EQ(guarded, 1);
  EXPECT_TRUE(out.ends_with(" END $pgdump2s3_clean$;\n")) << out;
}

// pg_dump --create --clean starts with DROP DATABASE, which cannot run in a
// DO block: it is left as it is (and ends the section).
TEST(PlainCleanSection, DropDatabaseIsLeftAlone) {
  const std::string input = kHeader + "DROP DATABASE app;\nCREATE DATABASE app;\n" + kDrops;
  int guarded = -1;
  EXPECT_EQ(filtered(input, 9, &guarded), input);
  EXPECT_EQ(guarded, 0);
}

}  // namespace
}  // namespace pgdump2s3::pipeline
