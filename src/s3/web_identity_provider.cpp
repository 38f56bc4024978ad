#include "s3/web_identity_provider.h"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>
#include <thread>

#include "s3/sts_client.h"
#include "util/error.h"
#include "util/log.h"

namespace pgdump2s3::s3 {
namespace {

std::string default_session_name() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return "pgdump2s3-" + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now).count());
}

}  // namespace

WebIdentityCredentialsProvider::WebIdentityCredentialsProvider(WebIdentityConfig config)
    : config_([&] {
        if (config.session_name.empty()) config.session_name = default_session_name();
        return std::move(config);
      }()) {}

std::string WebIdentityCredentialsProvider::source() const {
  return "web identity (" + config_.origin + ": role " + config_.role_arn + ", token file " +
         config_.token_file + ", STS " + config_.sts_endpoint + ")";
}

std::string WebIdentityCredentialsProvider::read_token() const {
  const auto deadline = std::chrono::steady_clock::now() + config_.token_file_wait;
  for (;;) {
    std::ifstream in(config_.token_file, std::ios::binary);
    if (in) {
      std::ostringstream text;
      text << in.rdbuf();
      std::string token = text.str();
      // The token is a JWT; a trailing newline from `echo` is not part of it.
      while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
      if (token.empty()) throw RuntimeError("web identity token file " + config_.token_file + " is empty");
      log::add_secret(token);
      return token;
    }
    int error = errno;
    std::error_code ec;
    bool missing = !std::filesystem::exists(config_.token_file, ec);
    if (!missing || std::chrono::steady_clock::now() >= deadline) {
      throw RuntimeError("cannot read the web identity token file " + config_.token_file + " (" +
                         (missing ? "it does not exist" : std::strerror(error)) +
                         "; AWS_WEB_IDENTITY_TOKEN_FILE or the profile's web_identity_token_file names it)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

Credentials WebIdentityCredentialsProvider::fetch() {
  return assume_role_with_web_identity(WebIdentityRequest{.sts_endpoint = config_.sts_endpoint,
                                                          .ca_bundle = config_.ca_bundle,
                                                          .role_arn = config_.role_arn,
                                                          .session_name = config_.session_name,
                                                          .token = read_token()});
}

}  // namespace pgdump2s3::s3
