#include "s3/aws_profile.h"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "util/error.h"
#include "util/log.h"

namespace pgdump2s3::s3 {
namespace {

// The file's text; nullopt when it does not exist or cannot be read.
std::optional<std::string> read_shared_file(const std::string& path) {
  if (path.empty()) return std::nullopt;
  // Like botocore (os.path.isfile), anything but a regular file counts as
  // absent: AWS_CONFIG_FILE=/dev/null is a common way to say "no file".
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    log::warn("skipping AWS shared file that cannot be read", {{"path", path}});
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// "profile NAME" (NAME optionally quoted, as botocore splits it with shlex)
// -> NAME; nullopt for any other section name.
std::optional<std::string> config_profile_name(std::string_view section) {
  constexpr std::string_view kPrefix = "profile";
  if (!section.starts_with(kPrefix) || section.size() == kPrefix.size() ||
      !std::isspace(static_cast<unsigned char>(section[kPrefix.size()]))) {
    return std::nullopt;
  }
  std::string_view name = section.substr(kPrefix.size());
  while (!name.empty() && std::isspace(static_cast<unsigned char>(name.front()))) name.remove_prefix(1);
  if (name.size() >= 2 && (name.front() == '"' || name.front() == '\'') && name.back() == name.front()) {
    name = name.substr(1, name.size() - 2);
  }
  return std::string(name);
}

std::optional<ProfileValue> non_empty(const std::string* value, std::string source) {
  if (value == nullptr || value->empty()) return std::nullopt;
  return ProfileValue{*value, std::move(source)};
}

}  // namespace

std::string expand_home(const Environment& env, const std::string& path) {
  if (path == "~" || path.starts_with("~/")) {
    if (auto home = env.get("HOME")) return *home + path.substr(1);
  }
  return path;
}

std::string selected_profile_name(const Environment& env) {
  return env.get("AWS_PROFILE").value_or("default");
}

std::string AwsProfile::config_source() const { return "profile " + name + " in " + config_path; }

std::string AwsProfile::credentials_source() const {
  return "profile " + name + " in " + credentials_path;
}

std::optional<ProfileValue> AwsProfile::find(std::string_view key) const {
  if (auto v = non_empty(credentials.value(key), credentials_source())) return v;
  return non_empty(config.value(key), config_source());
}

std::optional<ProfileValue> AwsProfile::find_nested(std::string_view key, std::string_view sub_key) const {
  if (auto v = non_empty(credentials.nested_value(key, sub_key), credentials_source())) return v;
  return non_empty(config.nested_value(key, sub_key), config_source());
}

std::optional<ProfileValue> AwsProfile::find_service(std::string_view service, std::string_view key) const {
  const std::string* section = config.value("services");
  return non_empty(services.nested_value(service, key),
                   "[services " + (section ? *section : std::string()) + "] in " + config_path);
}

AwsProfile load_aws_profile(const Environment& env, const std::string& profile_name) {
  AwsProfile profile;
  profile.name = profile_name;
  profile.config_path = expand_home(env, env.get("AWS_CONFIG_FILE").value_or("~/.aws/config"));
  profile.credentials_path =
      expand_home(env, env.get("AWS_SHARED_CREDENTIALS_FILE").value_or("~/.aws/credentials"));
  // Without HOME the defaults stay "~/..." paths that name no file.
  bool found = false;

  if (auto text = read_shared_file(profile.config_path)) {
    IniFile config = parse_ini(*text, profile.config_path);
    for (auto& [section_name, section] : config) {
      std::optional<std::string> name =
          section_name == "default" ? std::optional<std::string>("default") : config_profile_name(section_name);
      // [profile default] wins over [default] when a file has both.
      if (name == profile_name && (profile.config.empty() || section_name != "default")) {
        profile.config = section;
        found = true;
      }
    }
    if (const std::string* services = profile.config.value("services")) {
      auto it = config.find("services " + *services);
      if (it == config.end()) {
        throw ConfigError("profile " + profile_name + " in " + profile.config_path + " names services = " +
                          *services + ", but the file has no [services " + *services + "] section");
      }
      profile.services = it->second;
    }
  }
  if (auto text = read_shared_file(profile.credentials_path)) {
    IniFile credentials = parse_ini(*text, profile.credentials_path);
    if (auto it = credentials.find(profile_name); it != credentials.end()) {
      profile.credentials = it->second;
      found = true;
    }
  }
  if (!found && profile_name != "default") {
    throw ConfigError("AWS_PROFILE=" + profile_name + ": no [profile " + profile_name + "] in " +
                      profile.config_path + " and no [" + profile_name + "] in " +
                      profile.credentials_path + " (set AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE, or unset AWS_PROFILE)");
  }
  return profile;
}

}  // namespace pgdump2s3::s3
