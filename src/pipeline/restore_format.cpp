#include "pipeline/restore_format.h"

#include <cstdint>

namespace pgdump2s3::pipeline {
namespace {

// POSIX ustar header fields (pax(1), "ustar Interchange Format").
constexpr std::size_t kTarBlock = 512;
constexpr std::size_t kNameField = 100;
constexpr std::size_t kChecksumOffset = 148;
constexpr std::size_t kChecksumField = 8;
constexpr std::size_t kMagicOffset = 257;

// The header checksum: the sum of all 512 bytes as unsigned, the checksum
// field itself counted as spaces; stored as octal digits.
bool tar_checksum_matches(std::string_view block) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < kTarBlock; ++i) {
    const bool in_field = i >= kChecksumOffset && i < kChecksumOffset + kChecksumField;
    sum += in_field ? ' ' : static_cast<unsigned char>(block[i]);
  }
  std::uint32_t stored = 0;
  bool digits = false;
  for (std::size_t i = kChecksumOffset; i < kChecksumOffset + kChecksumField; ++i) {
    const char c = block[i];
    if (c >= '0' && c <= '7') {
      stored = stored * 8 + static_cast<std::uint32_t>(c - '0');
      digits = true;
    } else if (c != ' ' && c != '\0') {
      return false;
    } else if (digits) {
      break;
    }
  }
  return digits && stored == sum;
}

bool is_tar_header(std::string_view head) {
  if (head.size() < kTarBlock) return false;
  // "ustar\0" (POSIX, pg_dump's src/port/tar.c) or "ustar " (GNU tar).
  return head.substr(kMagicOffset, 5) == "ustar" && tar_checksum_matches(head.substr(0, kTarBlock));
}

std::string_view first_member_name(std::string_view head) {
  std::string_view name = head.substr(0, kNameField);
  return name.substr(0, name.find('\0'));
}

// The tail a complete dump ends with is well under this.
constexpr std::size_t kTailBytes = 4096;
constexpr std::string_view kDumpComplete = "-- PostgreSQL database dump complete";

std::string_view trim_trailing_blank(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
  return text;
}

}  // namespace

ArchiveKind detect_archive(std::string_view head) {
  if (head.starts_with("PGDMP")) return ArchiveKind::kCustom;
  if (is_tar_header(head)) {
    return first_member_name(head) == "toc.dat" ? ArchiveKind::kTar : ArchiveKind::kDirectoryTar;
  }
  return ArchiveKind::kPlain;
}

std::string_view archive_name(ArchiveKind kind) {
  switch (kind) {
    case ArchiveKind::kCustom: return "custom-format archive";
    case ArchiveKind::kTar: return "tar-format archive";
    case ArchiveKind::kDirectoryTar: return "tar of a directory-format dump";
    case ArchiveKind::kPlain: break;
  }
  return "plain SQL dump";
}

bool looks_like_plain_dump(std::string_view head) {
  return head.starts_with("--") && head.find("-- PostgreSQL database dump") != std::string_view::npos;
}

bool uses_restrict(std::string_view head) {
  for (std::size_t at = head.find("\\restrict "); at != std::string_view::npos; at = head.find("\\restrict ", at + 1)) {
    if (at == 0 || head[at - 1] == '\n') return true;
  }
  return false;
}

void PlainDumpEnd::write(std::string_view bytes) {
  if (bytes.size() >= kTailBytes) {
    tail_.assign(bytes.substr(bytes.size() - kTailBytes));
    return;
  }
  tail_.append(bytes);
  if (tail_.size() > 2 * kTailBytes) tail_.erase(0, tail_.size() - kTailBytes);
}

bool PlainDumpEnd::complete() const {
  std::string_view text = trim_trailing_blank(tail_);
  // The last line may be `\unrestrict KEY`.
  const std::size_t last_line = text.rfind('\n');
  if (last_line != std::string_view::npos && text.substr(last_line + 1).starts_with("\\unrestrict ")) {
    text = trim_trailing_blank(text.substr(0, last_line));
  }
  // "--\n-- PostgreSQL database dump complete\n--"
  if (!text.ends_with("\n--")) return false;
  text = trim_trailing_blank(text.substr(0, text.size() - 3));
  return text.ends_with(kDumpComplete);
}

}  // namespace pgdump2s3::pipeline
