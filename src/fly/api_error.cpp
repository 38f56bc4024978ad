#include "fly/api_error.h"

#include <nlohmann/json.hpp>

namespace pgdump2s3::fly {
namespace {

constexpr std::size_t kMaxDetail = 300;

std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  if (text.size() > kMaxDetail) text = text.substr(0, kMaxDetail) + "...";
  return text;
}

nlohmann::json parse_or_null(std::string_view body) {
  return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

}  // namespace

bool is_retriable_status(long status) { return status == 429 || (status >= 500 && status <= 599); }

bool is_configuration_status(long status) {
  return status == 400 || status == 401 || status == 403 || status == 404 || status == 422;
}

std::string error_detail(std::string_view body) {
  nlohmann::json j = parse_or_null(body);
  if (j.is_object() && j.contains("error") && j["error"].is_string()) {
    return one_line(j["error"].get<std::string>());
  }
  return one_line(std::string(body));
}

std::string error_status(std::string_view body) {
  nlohmann::json j = parse_or_null(body);
  if (j.is_object() && j.contains("status") && j["status"].is_string()) {
    return j["status"].get<std::string>();
  }
  return {};
}

std::string api_error_message(long status, std::string_view body, std::string_view what,
                              std::string_view app) {
  const std::string code = "(HTTP " + std::to_string(status) + ")";
  const std::string where = std::string(what) + " in app '" + std::string(app) + "'";
  std::string detail = error_detail(body);
  const std::string said = detail.empty() ? "" : ": " + detail;
  switch (status) {
    case 401:
      return "Fly API rejected FLY_API_TOKEN " + code + " while " + where +
             ": check the token (a deploy token for the app, `fly tokens create deploy -a " +
             std::string(app) + "`, or an org token)";
    case 403:
      return "FLY_API_TOKEN may not act on app '" + std::string(app) + "' " + code + " while " +
             std::string(what) + ": use a token of the app or of its organization";
    case 404:
      return "Fly API found no such app or resource " + code + " while " + where +
             said + ": check FLY_APP (the app must exist: `fly apps create " + std::string(app) + "`)";
    case 422:
      return "Fly API refused the request as invalid " + code + " while " + where + said +
             ": check FLY_MACHINE_SIZE, FLY_REGION, FLY_VOLUME_SIZE and DOCKER_IMAGE";
    case 400:
      return "Fly API answered bad request " + code + " while " + where + said;
    case 429:
      return "Fly API kept rate-limiting the requests " + code + " while " + where + said +
             ": try again in a minute";
    default:
      if (status >= 500) {
        return "Fly API kept failing " + code + " while " + where + said +
               ": Fly may be having trouble; try again later";
      }
      return "Fly API answered " + code + " while " + where + said;
  }
}

}  // namespace pgdump2s3::fly
