#include "s3/container_provider.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "http/client.h"
#include "s3/credential_http.h"
#include "s3/ini_file.h"
#include "util/error.h"
#include "util/log.h"

namespace pgdump2s3::s3 {
namespace {

// botocore's ContainerMetadataFetcher: 3 attempts, 2 s timeouts.
constexpr RetryPolicy kContainerRetry{.max_attempts = 3,
                                      .base_delay = std::chrono::milliseconds(500),
                                      .max_delay = std::chrono::milliseconds(1'000)};

// The host of an http(s) URL, brackets kept for IPv6 ("[::1]").
std::string url_host(std::string_view url) {
  std::size_t start = url.find("://");
  if (start == std::string_view::npos) return "";
  std::string_view rest = url.substr(start + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (std::size_t at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
  if (rest.starts_with("[")) return ascii_lower(rest.substr(0, rest.find(']') + 1));
  return ascii_lower(rest.substr(0, rest.find(':')));
}

bool is_loopback_ipv4(std::string_view host) {
  // 127.0.0.0/8 written as four decimal numbers.
  int parts = 0;
  std::size_t pos = 0;
  while (pos <= host.size()) {
    std::size_t dot = std::min(host.find('.', pos), host.size());
    std::string_view part = host.substr(pos, dot - pos);
    if (part.empty() || part.size() > 3 ||
        !std::all_of(part.begin(), part.end(), [](unsigned char c) { return std::isdigit(c); })) {
      return false;
    }
    if (parts == 0 && part != "127") return false;
    ++parts;
    pos = dot + 1;
  }
  return parts == 4;
}

// Hosts botocore accepts for a plain-http full URI: loopback, the ECS agent
// and EKS Pod Identity agent addresses.
bool allowed_http_host(const std::string& host) {
  return host == "localhost" || host == "[::1]" || is_loopback_ipv4(host) || host == "169.254.170.2" ||
         host == "169.254.170.23" || host == "[fd00:ec2::23]";
}

std::string read_token_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw RuntimeError("cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE " + path);
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::string token = text.str();
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
  return token;
}

}  // namespace

std::optional<ContainerCredentialsConfig> container_credentials_config(const Environment& env,
                                                                       std::string_view relative_base) {
  ContainerCredentialsConfig config;
  if (auto relative = env.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
    config.url = std::string(relative_base) + (relative->starts_with("/") ? "" : "/") + *relative;
    config.url_variable = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
  } else if (auto full = env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
    std::string scheme = ascii_lower(full->substr(0, full->find("://")));
    std::string host = url_host(*full);
    bool allowed = !host.empty() && (scheme == "https" || (scheme == "http" && allowed_http_host(host)));
    if (!allowed) {
      throw ConfigError("AWS_CONTAINER_CREDENTIALS_FULL_URI=" + *full +
                        ": must be https, or http to loopback, 169.254.170.2, 169.254.170.23 or fd00:ec2::23");
    }
    config.url = *full;
    config.url_variable = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
  } else {
    return std::nullopt;
  }
  config.authorization_token = env.get("AWS_CONTAINER_AUTHORIZATION_TOKEN").value_or("");
  config.authorization_token_file = env.get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE").value_or("");
  log::add_secret(config.authorization_token);
  return config;
}

std::string ContainerCredentialsProvider::source() const {
  return "container credentials (" + config_.url_variable + ": " + config_.url + ")";
}

std::string ContainerCredentialsProvider::authorization() const {
  std::string token = config_.authorization_token_file.empty() ? config_.authorization_token
                                                               : read_token_file(config_.authorization_token_file);
  log::add_secret(token);
  // A header value cannot hold a line break (botocore refuses it too).
  if (token.find_first_of("\r\n") != std::string::npos) {
    throw ConfigError("the container authorization token contains a line break");
  }
  return token;
}

Credentials ContainerCredentialsProvider::fetch() {
  http::Request request;
  request.url = config_.url;
  request.headers = {{"Accept", "application/json"}};
  if (std::string token = authorization(); !token.empty()) request.headers.push_back({"Authorization", token});
  http::Options options;
  options.connect_timeout_ms = 2'000;
  options.total_timeout_ms = 5'000;
  http::Client client(options);
  const std::string what = "container credentials endpoint " + config_.url;
  CredentialResponse result =
      perform_credential_request(client, request, kContainerRetry, what, [](const http::Response& response) {
        return response.status >= 500 || response.status == 429;
      });
  if (result.response.status == 200) return parse_credentials_json(result.response.body, what);
  throw RuntimeError(log::redact(what + " failed " + result.attempts_text() + ": HTTP " +
                                 std::to_string(result.response.status) + " " +
                                 result.response.body.substr(0, 200)));
}

}  // namespace pgdump2s3::s3
