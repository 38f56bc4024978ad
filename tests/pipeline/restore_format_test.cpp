// Telling a dump's kind from its bytes: archives made by stock tar the way
// pg_dump's tar writer and the old tool lay them out, and plain SQL with its
// ending as pg_dump writes it.
#include <gtest/gtest.h>

#include <string>

#include "pipeline/restore_format.h"
#include "support/process.h"

namespace pgdump2s3::pipeline {
namespace {

using testing::read_file;
using testing::run_command;
using testing::TempDir;
using testing::write_file;

constexpr std::string_view kToc("PGDMP\x01\x0e\x00\x04\x08\x03", 11);

// A folder shaped like pg_dump --format=directory output.
void make_dump_folder(const std::string& dir) {
  ASSERT_EQ(run_command({"mkdir", "-p", dir}).exit_code, 0);
  write_file(dir + "/toc.dat", std::string(kToc) + std::string(3000, 'x'));
  write_file(dir + "/3381.dat", "1\tone\n2\ttwo\n\\.\n");
}

std::string tar_of(const std::vector<std::string>& args) {
  TempDir out;
  std::vector<std::string> argv = {"tar", "-cf", out.file("a.tar")};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run_command(argv);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return read_file(out.file("a.tar"));
}

TEST(RestoreFormat, CustomArchiveByItsMagic) {
  EXPECT_EQ(detect_archive(std::string(kToc) + "rest of the archive"), ArchiveKind::kCustom);
}

// pg_backup_tar.c writes toc.dat first, in POSIX ustar format.
TEST(RestoreFormat, PgDumpTarStartsWithTocDat) {
  TempDir dir;
  make_dump_folder(dir.file("d"));
  const std::string tar = tar_of({"--format=ustar", "-C", dir.file("d"), "toc.dat", "3381.dat"});
  EXPECT_EQ(detect_archive(std::string_view(tar).substr(0, kArchiveDetectBytes)), ArchiveKind::kTar);
}

// fly-pg-dump-to-s3: tar -cf - -C DIR . of a directory-format dump; GNU
// tar's own format and "./" first.
TEST(RestoreFormat, OldToolTarOfADirectory) {
  TempDir dir;
  make_dump_folder(dir.file("d"));
  const std::string tar = tar_of({"-C", dir.file("d"), "."});
  EXPECT_EQ(detect_archive(std::string_view(tar).substr(0, kArchiveDetectBytes)), ArchiveKind::kDirectoryTar);
  const std::string posix = tar_of({"--format=posix", "-C", dir.file("d"), "."});
  EXPECT_EQ(detect_archive(posix), ArchiveKind::kDirectoryTar);
}

TEST(RestoreFormat, DamagedTarHeaderIsNotTaken) {
  TempDir dir;
  make_dump_folder(dir.file("d"));
  std::string tar = tar_of({"--format=ustar", "-C", dir.file("d"), "toc.dat"});
  tar[20] = 'Z';  // inside the name field: the header checksum no longer matches
  EXPECT_EQ(detect_archive(tar), ArchiveKind::kPlain);
}

TEST(RestoreFormat, PlainSqlAndShortStreams) {
  const std::string head = "--\n-- PostgreSQL database dump\n--\n\n\\restrict abc123\n\n-- Dumped from database";
  EXPECT_EQ(detect_archive(head), ArchiveKind::kPlain);
  EXPECT_TRUE(looks_like_plain_dump(head));
  EXPECT_TRUE(uses_restrict(head));
  EXPECT_FALSE(uses_restrict("--\n-- PostgreSQL database dump\n--\nSET x = '\\restrict no';\n"));
  EXPECT_FALSE(looks_like_plain_dump("SELECT 1;\n"));
  EXPECT_EQ(detect_archive(""), ArchiveKind::kPlain);
  EXPECT_EQ(detect_archive("PGD"), ArchiveKind::kPlain);
}

std::string complete_dump(bool with_unrestrict) {
  std::string s = "--\n-- PostgreSQL database dump\n--\n\nCREATE TABLE t (a int);\n\n--\n-- PostgreSQL database dump "
                  "complete\n--\n\n";
  if (with_unrestrict) s += "\\unrestrict abc123\n\n";
  return s;
}

TEST(RestoreFormat, PlainDumpEndsAsPgDumpEndsIt) {
  for (bool unrestrict : {false, true}) {
    const std::string dump = complete_dump(unrestrict);
    PlainDumpEnd whole;
    whole.write(dump);
    EXPECT_TRUE(whole.complete());
    PlainDumpEnd bytewise;
    for (char c : dump) bytewise.write(std::string_view(&c, 1));
    EXPECT_TRUE(bytewise.complete());
    PlainDumpEnd cut;
    cut.write(std::string_view(dump).substr(0, dump.find("complete")));
    EXPECT_FALSE(cut.complete());
  }
  PlainDumpEnd long_dump;
  long_dump.write(std::string(100000, 'x') + "\n");
  long_dump.write(complete_dump(true));
  EXPECT_TRUE(long_dump.complete());
  PlainDumpEnd nothing;
  EXPECT_FALSE(nothing.complete());
}

}  // namespace
}  // namespace pgdump2s3::pipeline
