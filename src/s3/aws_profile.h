// One AWS profile as the shared files define it, read the way the AWS CLI
// reads them (botocore's Session.full_config):
//   - the config file (AWS_CONFIG_FILE, default ~/.aws/config) names it
//     [default] or [profile NAME];
//   - the credentials file (AWS_SHARED_CREDENTIALS_FILE, default
//     ~/.aws/credentials) names it [NAME], and its keys win over the config
//     file's for the same profile;
//   - `services = NAME` in the profile points at a [services NAME] section
//     of the config file with per-service settings (s3 =, sts =).
// A missing file is no error; an unreadable one is skipped with a warning,
// as the AWS CLI skips it (silently).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "s3/ini_file.h"
#include "util/env.h"

namespace pgdump2s3::s3 {

// A value and where it came from, for --dry-run: e.g. "profile prod in /root/.aws/config".
struct ProfileValue {
  std::string value;
  std::string source;
};

struct AwsProfile {
  std::string name;
  std::string config_path;       // empty when there is no home directory
  std::string credentials_path;
  IniSection config;             // the profile's section of the config file
  IniSection credentials;        // the profile's section of the credentials file
  IniSection services;           // the [services NAME] section it points at

  // A setting of the profile, the credentials file first (botocore merges
  // the credentials file's keys over the config file's). Empty values count
  // as unset.
  std::optional<ProfileValue> find(std::string_view key) const;
  // A nested setting of the profile ("s3" / "addressing_style").
  std::optional<ProfileValue> find_nested(std::string_view key, std::string_view sub_key) const;
  // A per-service setting from the [services NAME] section ("s3" / "endpoint_url").
  std::optional<ProfileValue> find_service(std::string_view service, std::string_view key) const;
  // Where a key of the config (or credentials) section is, for messages.
  std::string config_source() const;
  std::string credentials_source() const;
};

// The profile selected by AWS_PROFILE, else "default".
std::string selected_profile_name(const Environment& env);

// Loads `profile_name` from the shared files named by `env`. Throws
// ConfigError when a file cannot be parsed, or when a profile other than
// "default" exists in neither file (the AWS CLI's "config profile could
// not be found").
AwsProfile load_aws_profile(const Environment& env, const std::string& profile_name);

// Expands a leading "~/" with HOME from `env` (the AWS CLI expands it in
// every path setting).
std::string expand_home(const Environment& env, const std::string& path);

}  // namespace pgdump2s3::s3
