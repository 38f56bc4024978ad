#include "pipeline/restore_plain_clean.h"

namespace pgdump2s3::pipeline {
namespace {

// pg_dump's header is about a dozen lines; a stream still without
// "-- Dumped by pg_dump" after this many is not pg_dump's output.
constexpr int kMaxHeaderLines = 40;
// Lines of the header and the clean section are short; one longer than this
// means we are not where we think we are.
constexpr std::size_t kMaxLineBytes = 64 * 1024;

constexpr std::string_view kOuterTag = "$pgdump2s3_clean$";
constexpr std::string_view kInnerTag = "$pgdump2s3_drop$";

std::string_view without_newline(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  return line;
}

// A statement pg_dump --clean writes to drop one object (pg_dump.c: the
// dropStmt of each dumpable object).
bool is_drop_statement(std::string_view s) {
  if (!s.ends_with(";")) return false;
  if (s.starts_with("DROP ")) {
    // Not allowed inside a DO block (they cannot run in a transaction), and
    // no plain dump of one database drops them but pg_dump --create's first line.
    return !s.starts_with("DROP DATABASE ") && !s.starts_with("DROP SUBSCRIPTION ");
  }
  if (s.starts_with("ALTER ")) return s.find(" DROP ") != std::string_view::npos;
  return s.starts_with("SELECT pg_catalog.lo_unlink(");
}

bool is_preamble_line(std::string_view s) {
  return s.empty() || s.starts_with("SET ") || s.starts_with("SELECT pg_catalog.set_config(");
}

}  // namespace

PlainCleanSection::PlainCleanSection(ByteSink sink) : sink_(std::move(sink)) {}

void PlainCleanSection::write(std::string_view bytes) {
  while (!bytes.empty()) {
    if (state_ == State::kBody) {
      pass(bytes);
      return;
    }
    const std::size_t newline = bytes.find('\n');
    if (newline == std::string_view::npos) {
      pending_.append(bytes);
      if (pending_.size() > kMaxLineBytes) {
        state_ = State::kBody;
        std::string held = std::move(pending_);
        pending_.clear();
        pass(held);
      }
      return;
    }
    pending_.append(bytes.substr(0, newline + 1));
    bytes.remove_prefix(newline + 1);
    std::string whole = std::move(pending_);
    pending_.clear();
    line(whole);
  }
}

void PlainCleanSection::finish() {
  if (pending_.empty()) return;
  std::string last = std::move(pending_);
  pending_.clear();
  line(last);
}

void PlainCleanSection::line(std::string_view text) {
  const std::string_view s = without_newline(text);
  switch (state_) {
    case State::kHeader:
      // The comment block, `\restrict KEY`, "-- Dumped from/by ..." lines.
      if (s.starts_with("-- Dumped by pg_dump version")) {
        state_ = State::kPreamble;
      } else if (++header_lines_ > kMaxHeaderLines || !(s.empty() || s.starts_with("--") || s.starts_with("\\"))) {
        state_ = State::kBody;
      }
      break;
    case State::kPreamble:
      if (is_drop_statement(s)) {
        state_ = State::kClean;
        line(text);
        return;
      }
      if (!is_preamble_line(s)) state_ = State::kBody;
      break;
    case State::kClean:
      if (!is_drop_statement(s)) {
        state_ = State::kBody;
        break;
      }
      if (s.find(kOuterTag) != std::string_view::npos || s.find(kInnerTag) != std::string_view::npos) break;
      {
        std::string guarded;
        guarded.reserve(s.size() + 200);
        guarded.append("DO ").append(kOuterTag).append("BEGIN EXECUTE ").append(kInnerTag);
        guarded.append(s.substr(0, s.size() - 1)).append(kInnerTag);
        guarded.append("; EXCEPTION WHEN undefined_table OR undefined_object OR undefined_function"
                       " OR invalid_schema_name OR undefined_column THEN NULL; END ");
        guarded.append(kOuterTag).append(";\n");
        ++guarded_;
        pass(guarded);
      }
      return;
    case State::kBody:
      break;
  }
  pass(text);
}

void PlainCleanSection::pass(std::string_view text) {
  if (!text.empty()) sink_(text);
}

}  // namespace pgdump2s3::pipeline
