#include "pg/pg_version.h"

#include <cctype>

namespace pgdump2s3::pg {
namespace {

// Reads a run of digits at `pos`; nullopt when there is none.
std::optional<int> read_number(std::string_view text, std::size_t& pos) {
  std::size_t start = pos;
  int value = 0;
  while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])) != 0) {
    if (pos - start >= 6) return std::nullopt;  // no PostgreSQL version part is this long
    value = value * 10 + (text[pos] - '0');
    ++pos;
  }
  if (pos == start) return std::nullopt;
  return value;
}

}  // namespace

int major_version_num(int version_num) {
  return version_num >= 100000 ? version_num / 10000 * 10000 : version_num / 100 * 100;
}

std::string major_version_name(int version_num) {
  if (version_num >= 100000) return std::to_string(version_num / 10000);
  return std::to_string(version_num / 10000) + "." + std::to_string(version_num / 100 % 100);
}

std::optional<int> parse_version_number(std::string_view text) {
  std::size_t pos = 0;
  std::optional<int> first = read_number(text, pos);
  if (!first || *first == 0) return std::nullopt;
  int parts[2] = {0, 0};
  for (int& part : parts) {
    if (pos + 1 >= text.size() || text[pos] != '.') break;
    ++pos;
    std::optional<int> next = read_number(text, pos);
    if (!next) return std::nullopt;
    part = *next;
  }
  // From 10 on a version is MAJOR.MINOR (num = MAJOR*10000 + MINOR); before
  // it was X.Y.MINOR (num = X*10000 + Y*100 + MINOR). A suffix such as
  // "devel", "beta1" or "rc1" leaves the minor at 0.
  if (*first >= 10) return *first * 10000 + parts[0];
  return *first * 10000 + parts[0] * 100 + parts[1];
}

std::optional<int> parse_tool_version_output(std::string_view output) {
  static constexpr std::string_view kMarker = "(PostgreSQL) ";
  std::size_t at = output.find(kMarker);
  if (at == std::string_view::npos) return std::nullopt;
  return parse_version_number(output.substr(at + kMarker.size()));
}

}  // namespace pgdump2s3::pg
