// What a backup object holds, told from its (decompressed) bytes, never
// from its name: the old tool and PG_DUMP_ARGS make names that do not say.
//
//   custom     pg_dump --format=custom: starts with the magic "PGDMP"
//              (pg_backup_archiver.c, WriteHead)
//   tar        pg_dump --format=tar: a POSIX tar whose first member is
//              toc.dat (pg_backup_tar.c writes it first); pg_restore reads
//              it from a pipe
//   directory  a tar of a pg_dump --format=directory folder, as the old tool
//              made it (`tar -cf - -C DIR .`: first member "./"); pg_restore
//              needs it as a folder on disk
//   plain      anything else: SQL for psql
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace pgdump2s3::pipeline {

enum class ArchiveKind { kCustom, kTar, kDirectoryTar, kPlain };

// One tar header block (POSIX.1-1988 ustar): enough to tell every kind.
inline constexpr std::size_t kArchiveDetectBytes = 512;

// `head` is the stream's first kArchiveDetectBytes (fewer only when the
// stream is shorter).
ArchiveKind detect_archive(std::string_view head);

// "custom-format archive", "tar-format archive", "tar of a directory-format
// dump", "plain SQL dump".
std::string_view archive_name(ArchiveKind kind);

// True when `head` starts as pg_dump's plain output does: a "--" comment
// naming a PostgreSQL database dump.
bool looks_like_plain_dump(std::string_view head);

// pg_dump since 17.6, 16.10, 15.14, 14.19 and 13.22 (CVE-2025-8714) starts
// a plain dump with `\restrict KEY`, a psql meta-command older psql
// versions reject ("invalid command \restrict").
bool uses_restrict(std::string_view head);

// Checks that a plain dump ended as pg_dump ends one: the comment
// "-- PostgreSQL database dump complete", then at most `\unrestrict KEY`
// and blank lines (pg_backup_archiver.c, RestoreArchive). A dump cut short
// (pg_dump failed, the object was truncated before compression) lacks it.
// Fed the whole stream; keeps only its last bytes.
class PlainDumpEnd {
 public:
  void write(std::string_view bytes);
  bool complete() const;

 private:
  std::string tail_;
};

}  // namespace pgdump2s3::pipeline
