#include "s3/imds_provider.h"

#include <cctype>
#include <charconv>

#include "http/client.h"
#include "s3/aws_settings.h"
#include "s3/credential_http.h"
#include "s3/ini_file.h"
#include "util/error.h"
#include "util/log.h"

namespace pgdump2s3::s3 {
namespace {

constexpr const char* kCredentialsPath = "/latest/meta-data/iam/security-credentials/";
// The IMDSv2 session lifetime asked for: 6 hours, the maximum (a fresh
// session is opened at every refresh anyway).
constexpr const char* kTokenTtlSeconds = "21600";

std::optional<ProfileValue> setting(const Environment& env, const AwsProfile& profile, const char* variable,
                                    const char* profile_key) {
  if (auto value = env.get(variable)) return ProfileValue{*value, variable};
  return profile.find(profile_key);
}

int positive_number(const ProfileValue& value) {
  int number = 0;
  auto [end, ec] = std::from_chars(value.value.data(), value.value.data() + value.value.size(), number);
  if (ec != std::errc() || end != value.value.data() + value.value.size() || number <= 0) {
    throw ConfigError(value.source + "=" + value.value + ": expected a positive whole number");
  }
  return number;
}

}  // namespace

std::optional<ImdsConfig> imds_config(const Environment& env, const AwsProfile& profile) {
  if (ascii_lower(env.get("AWS_EC2_METADATA_DISABLED").value_or("")) == "true") return std::nullopt;
  ImdsConfig config;
  if (auto endpoint = setting(env, profile, "AWS_EC2_METADATA_SERVICE_ENDPOINT", "ec2_metadata_service_endpoint")) {
    config.endpoint = checked_endpoint_url(endpoint->value, endpoint->source);
  } else if (auto mode = setting(env, profile, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
                                 "ec2_metadata_service_endpoint_mode")) {
    if (ascii_lower(mode->value) == "ipv6") {
      config.endpoint = "http://[fd00:ec2::254]";
    } else if (ascii_lower(mode->value) != "ipv4") {
      throw ConfigError(mode->source + "=" + mode->value + ": expected IPv4 or IPv6");
    }
  }
  if (auto timeout = setting(env, profile, "AWS_METADATA_SERVICE_TIMEOUT", "metadata_service_timeout")) {
    config.timeout = std::chrono::seconds(positive_number(*timeout));
  }
  if (auto attempts = setting(env, profile, "AWS_METADATA_SERVICE_NUM_ATTEMPTS", "metadata_service_num_attempts")) {
    config.attempts = positive_number(*attempts);
  }
  return config;
}

std::string ImdsCredentialsProvider::source() const {
  std::lock_guard lock(role_mutex_);
  return "EC2 instance metadata (" + (role_.empty() ? std::string() : "role " + role_ + " at ") +
         config_.endpoint + ")";
}

Credentials ImdsCredentialsProvider::fetch() {
  http::Options options;
  options.connect_timeout_ms = config_.timeout.count();
  options.total_timeout_ms = 2 * config_.timeout.count();
  http::Client client(options);
  const RetryPolicy retry{.max_attempts = config_.attempts,
                          .base_delay = std::chrono::milliseconds(100),
                          .max_delay = std::chrono::milliseconds(1'000)};
  auto server_error = [](const http::Response& response) { return response.status >= 500; };
  auto call = [&](const char* method, const std::string& url, const http::Headers& headers,
                  const std::string& what) {
    http::Request request;
    request.method = method;
    request.url = url;
    request.headers = headers;
    CredentialResponse result = perform_credential_request(client, request, retry, what, server_error);
    if (result.response.status != 200) {
      throw RuntimeError(what + " failed " + result.attempts_text() + ": HTTP " +
                         std::to_string(result.response.status) +
                         (result.response.status == 404 ? " (no IAM role attached to this instance?)" : ""));
    }
    return std::move(result.response.body);
  };

  const std::string token =
      call("PUT", config_.endpoint + "/latest/api/token", {{"X-aws-ec2-metadata-token-ttl-seconds", kTokenTtlSeconds}},
           "EC2 instance metadata token request to " + config_.endpoint);
  log::add_secret(token);
  const http::Headers session = {{"X-aws-ec2-metadata-token", token}};

  std::string roles = call("GET", config_.endpoint + kCredentialsPath, session,
                           "EC2 instance metadata IAM role lookup at " + config_.endpoint);
  // One role name per line; an instance profile holds exactly one role.
  std::string role = roles.substr(0, roles.find('\n'));
  while (!role.empty() && std::isspace(static_cast<unsigned char>(role.back()))) role.pop_back();
  if (role.empty()) throw RuntimeError("EC2 instance metadata at " + config_.endpoint + " lists no IAM role");
  {
    std::lock_guard lock(role_mutex_);
    role_ = role;
  }

  const std::string what = "EC2 instance metadata credentials of role " + role + " at " + config_.endpoint;
  std::string body = call("GET", config_.endpoint + kCredentialsPath + http::uri_encode(role, false), session, what);
  return parse_credentials_json(body, what);
}

}  // namespace pgdump2s3::s3
