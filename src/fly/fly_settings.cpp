#include "fly/fly_settings.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <sstream>
#include <vector>

#include "util/error.h"

namespace pgdump2s3::fly {
namespace {

constexpr std::string_view kDefaultSize = "shared-cpu-4x";

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool only(std::string_view text, std::string_view extra) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [&](unsigned char c) {
    return std::islower(c) || std::isdigit(c) || extra.find(static_cast<char>(c)) != std::string_view::npos;
  });
}

std::string required(const Environment& env, std::string_view name, std::string_view what) {
  std::optional<std::string> value = env.get(name);
  if (!value) throw ConfigError(std::string(name) + " is not set: " + std::string(what));
  return *value;
}

bool parse_bool(std::string_view name, const std::string& value) {
  std::string v = lower(value);
  if (v == "true" || v == "1" || v == "yes" || v == "on") return true;
  if (v == "false" || v == "0" || v == "no" || v == "off") return false;
  throw ConfigError(std::string(name) + "='" + value + "' is not a boolean: use true or false");
}

bool is_directory_format(std::string_view value) {
  std::string v = lower(value);
  return v == "d" || v == "directory";
}

}  // namespace

bool dumps_to_directory(std::string_view pg_dump_args) {
  std::vector<std::string> words;
  std::istringstream in{std::string(pg_dump_args)};
  for (std::string w; in >> w;) words.push_back(w);
  bool directory = false;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    std::string_view next = i + 1 < words.size() ? std::string_view(words[i + 1]) : std::string_view();
    if (w.starts_with("--format=")) {
      directory = is_directory_format(std::string_view(w).substr(9));
    } else if (w == "--format" || w == "-F") {
      directory = is_directory_format(next);
      ++i;
    } else if (w.starts_with("-F")) {
      directory = is_directory_format(std::string_view(w).substr(2));
    }
  }
  return directory;
}

FlySettings fly_settings_from(const Environment& env) {
  FlySettings s;
  s.api.app = required(env, "FLY_APP", "the name of the Fly app that runs the backup worker");
  if (!only(s.api.app, "-")) {
    throw ConfigError("FLY_APP='" + s.api.app + "' is not a Fly app name (lower-case letters, digits and dashes)");
  }
  s.api.token = required(env, "FLY_API_TOKEN",
                         "a Fly API token for the app (`fly tokens create deploy -a " + s.api.app + "`)");
  if (auto url = env.get("FLY_MACHINES_API_URL")) {
    if (!url->starts_with("https://") && !url->starts_with("http://")) {
      throw ConfigError("FLY_MACHINES_API_URL='" + *url + "' is not an http(s) URL");
    }
    s.api.base_url = *url;
  }

  if (auto region = env.get("FLY_REGION")) s.region = *region;
  if (!only(s.region, "")) {
    throw ConfigError("FLY_REGION='" + s.region + "' is not a Fly region code (e.g. cdg, ewr; `fly platform regions`)");
  }

  std::string size = env.get("FLY_MACHINE_SIZE").value_or(std::string(kDefaultSize));
  const GuestPreset* preset = find_guest_preset(size);
  if (preset == nullptr) {
    throw ConfigError("FLY_MACHINE_SIZE='" + size + "' is not a Fly machine size; use one of: " + guest_preset_names());
  }
  s.guest = *preset;

  s.image = env.get("DOCKER_IMAGE").value_or("registry.fly.io/" + s.api.app + ":latest");

  if (auto volume = env.get("FLY_VOLUME_SIZE")) {
    int gb = 0;
    auto [end, ec] = std::from_chars(volume->data(), volume->data() + volume->size(), gb);
    if (ec != std::errc() || end != volume->data() + volume->size() || gb < 1) {
      throw ConfigError("FLY_VOLUME_SIZE='" + *volume + "' is not a whole number of GB (1 or more)");
    }
    s.volume_size_gb = gb;
  }
  if (auto ensure = env.get("ENSURE_NO_VOLUMES_LEFT")) {
    s.ensure_no_volumes_left = parse_bool("ENSURE_NO_VOLUMES_LEFT", *ensure);
  }

  if (auto temp = env.get("BACKUPS_TEMP_DIR")) {
    if (!temp->starts_with("/")) throw ConfigError("BACKUPS_TEMP_DIR='" + *temp + "' is not an absolute path");
    s.temp_dir = *temp;
    s.worker_env["BACKUPS_TEMP_DIR"] = *temp;
  }
  if (auto args = env.get("PG_DUMP_ARGS")) {
    s.needs_volume = dumps_to_directory(*args);
    s.worker_env["PG_DUMP_ARGS"] = *args;
  }
  if (auto role = env.get("AWS_ROLE_ARN")) s.worker_env["AWS_ROLE_ARN"] = *role;
  return s;
}

}  // namespace pgdump2s3::fly
