#include "s3/aws_settings.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <optional>
#include <system_error>

#include "s3/aws_profile.h"
#include "util/error.h"

namespace pgdump2s3::s3 {
namespace {

using Setting = ProfileValue;  // a value and where it came from

std::optional<Setting> from_env(const Environment& env, const char* name) {
  if (auto value = env.get(name)) return Setting{*value, name};
  return std::nullopt;
}

// The first candidate that is set.
std::optional<Setting> first_of(std::initializer_list<std::optional<Setting>> candidates) {
  for (const auto& candidate : candidates) {
    if (candidate) return candidate;
  }
  return std::nullopt;
}

// The AWS SDKs' "true" for boolean settings: case-insensitive.
bool is_true(const std::optional<Setting>& setting) {
  return setting && ascii_lower(setting->value) == "true";
}

std::string default_sts_endpoint(const std::string& region) {
  // China regions live under their own domain (AWS endpoints reference).
  const char* domain = region.starts_with("cn-") ? ".amazonaws.com.cn" : ".amazonaws.com";
  return "https://sts." + region + domain;
}

void resolve_region(const Environment& env, const AwsProfile& profile, AwsSettings& settings) {
  auto region = first_of({from_env(env, "AWS_REGION"), from_env(env, "AWS_DEFAULT_REGION"), profile.find("region")});
  if (!region) return;  // us-east-1, the AWS CLI's S3 default
  // A region is a host name label and part of the SigV4 scope ("auto" for R2).
  bool valid = std::all_of(region->value.begin(), region->value.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_';
  });
  if (!valid) throw ConfigError(region->source + "=" + region->value + ": not a region name (e.g. eu-west-1)");
  settings.region = region->value;
  settings.region_source = region->source;
}

void resolve_endpoints(const Environment& env, const AwsProfile& profile, AwsSettings& settings) {
  // AWS_IGNORE_CONFIGURED_ENDPOINT_URLS turns every configured endpoint off
  // (AWS SDKs and tools reference, "Service-specific endpoints").
  bool ignore = is_true(first_of({from_env(env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"),
                                  profile.find("ignore_configured_endpoint_urls")}));
  if (!ignore) {
    // Service-specific before global, environment before the config file.
    auto s3 = first_of({from_env(env, "AWS_ENDPOINT_URL_S3"), from_env(env, "AWS_ENDPOINT_URL"),
                        profile.find_service("s3", "endpoint_url"), profile.find_nested("s3", "endpoint_url"),
                        profile.find("endpoint_url")});
    if (s3) {
      settings.endpoint_url = checked_endpoint_url(s3->value, s3->source);
      settings.endpoint_source = s3->source;
    }
    auto sts = first_of({from_env(env, "AWS_ENDPOINT_URL_STS"), from_env(env, "AWS_ENDPOINT_URL"),
                         profile.find_service("sts", "endpoint_url"), profile.find("endpoint_url")});
    if (sts) {
      settings.sts_endpoint_url = checked_endpoint_url(sts->value, sts->source);
      settings.sts_endpoint_source = sts->source;
    }
  }
  if (settings.sts_endpoint_url.empty()) {
    settings.sts_endpoint_url = default_sts_endpoint(settings.region);
    settings.sts_endpoint_source = "default (regional STS)";
  }
}

void resolve_addressing(const Environment& env, const AwsProfile& profile, AwsSettings& settings) {
  auto style = first_of({from_env(env, "AWS_S3_ADDRESSING_STYLE"), profile.find_nested("s3", "addressing_style")});
  std::string value = style ? ascii_lower(style->value) : "auto";
  if (value != "auto" && value != "path" && value != "virtual") {
    throw ConfigError(style->source + "=" + style->value + ": addressing style must be path, virtual or auto");
  }
  // "auto": S3-compatible stores (MinIO, R2, Tigris, B2, RGW) take path-style
  // requests on any bucket name; AWS itself prefers virtual-hosted ones.
  settings.path_style = value == "path" || (value == "auto" && !settings.endpoint_url.empty());
  settings.addressing_source =
      value != "auto" ? style->source
                      : (settings.endpoint_url.empty() ? "default (AWS: virtual-hosted)"
                                                       : "default (custom endpoint: path-style)");
}

void resolve_ca_bundle(const Environment& env, const AwsProfile& profile, AwsSettings& settings) {
  auto bundle = first_of({from_env(env, "AWS_CA_BUNDLE"), profile.find("ca_bundle")});
  if (!bundle) return;
  std::string path = expand_home(env, bundle->value);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw ConfigError(bundle->source + "=" + bundle->value + ": no such file (expected a PEM bundle of CA certificates)");
  }
  settings.ca_bundle = path;
  settings.ca_bundle_source = bundle->source;
}

}  // namespace

std::string checked_endpoint_url(const std::string& url, const std::string& source) {
  std::size_t separator = url.find("://");
  std::string scheme = ascii_lower(url.substr(0, separator));
  std::size_t host_start = separator == std::string::npos ? url.size() : separator + 3;
  bool has_host = host_start < url.size() && url.find_first_of("/?#", host_start) != host_start;
  if ((scheme != "http" && scheme != "https") || !has_host || url.find_first_of(" \t\r\n") != std::string::npos) {
    throw ConfigError(source + "=" + url + ": not an endpoint URL (expected http://HOST[:PORT] or https://HOST[:PORT])");
  }
  std::string trimmed = url;
  while (trimmed.size() > host_start && trimmed.back() == '/') trimmed.pop_back();
  return trimmed;
}

AwsSettings resolve_aws_settings(const Environment& env) {
  AwsSettings settings;
  settings.profile = selected_profile_name(env);
  AwsProfile profile = load_aws_profile(env, settings.profile);
  resolve_region(env, profile, settings);
  resolve_endpoints(env, profile, settings);
  resolve_addressing(env, profile, settings);
  resolve_ca_bundle(env, profile, settings);
  return settings;
}

}  // namespace pgdump2s3::s3
