#include "fly/api_token.h"

#include <array>

namespace pgdump2s3::fly {
namespace {

std::string_view trim(std::string_view text) {
  constexpr std::string_view kBlanks = " \t\r\n";
  auto first = text.find_first_not_of(kBlanks);
  if (first == std::string_view::npos) return {};
  auto last = text.find_last_not_of(kBlanks);
  return text.substr(first, last - first + 1);
}

}  // namespace

std::string bare_token(std::string_view token) {
  token = trim(token);
  for (std::string_view scheme : {std::string_view("Bearer "), std::string_view("FlyV1 ")}) {
    if (token.starts_with(scheme)) {
      token = trim(token.substr(scheme.size()));
      break;
    }
  }
  return std::string(token);
}

std::string authorization_header(std::string_view token) {
  std::string bare = bare_token(token);
  constexpr std::array<std::string_view, 3> kMacaroonPrefixes = {"fm1r_", "fm1a_", "fm2_"};
  for (std::string_view prefix : kMacaroonPrefixes) {
    if (bare.starts_with(prefix)) return "FlyV1 " + bare;
  }
  return "Bearer " + bare;
}

}  // namespace pgdump2s3::fly
