#include "s3/sts_client.h"

#include <pugixml.hpp>

#include "http/client.h"
#include "s3/credential_http.h"
#include "util/error.h"
#include "util/log.h"

namespace pgdump2s3::s3 {
namespace {

// A few quick attempts: this runs before the backup starts (and at refresh,
// with still-valid credentials in hand), so a long wait helps nobody.
constexpr RetryPolicy kStsRetry{.max_attempts = 3,
                                .base_delay = std::chrono::milliseconds(250),
                                .max_delay = std::chrono::milliseconds(2'000)};

struct StsError {
  std::string code;
  std::string message;
};

// <ErrorResponse><Error><Code/><Message/></Error></ErrorResponse> (AWS Query
// API error format).
StsError parse_error(std::string_view xml) {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size())) return {};
  pugi::xml_node error = doc.child("ErrorResponse").child("Error");
  return {error.child_value("Code"), error.child_value("Message")};
}

bool retriable(long status, const std::string& code) {
  // IDPCommunicationError: STS could not reach the token's issuer; the STS
  // API reference says to retry it.
  return status >= 500 || code == "Throttling" || code == "ThrottlingException" ||
         code == "RequestLimitExceeded" || code == "IDPCommunicationError";
}

std::string hint(const std::string& code) {
  if (code == "InvalidIdentityToken" || code == "AccessDenied" || code == "ExpiredTokenException") {
    return " (check the role's trust policy: its OIDC provider, audience sts.amazonaws.com and sub "
           "condition must match the token in AWS_WEB_IDENTITY_TOKEN_FILE)";
  }
  return "";
}

std::string form_body(const WebIdentityRequest& request) {
  auto field = [](std::string_view name, std::string_view value) {
    return std::string(name) + "=" + http::uri_encode(value, false);
  };
  return field("Action", "AssumeRoleWithWebIdentity") + "&" + field("Version", "2011-06-15") + "&" +
         field("RoleArn", request.role_arn) + "&" + field("RoleSessionName", request.session_name) + "&" +
         field("WebIdentityToken", request.token);
}

}  // namespace

Credentials parse_assume_role_with_web_identity_response(std::string_view xml) {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size())) {
    throw RuntimeError("STS AssumeRoleWithWebIdentity answered with a document that is not XML");
  }
  pugi::xml_node node = doc.child("AssumeRoleWithWebIdentityResponse")
                            .child("AssumeRoleWithWebIdentityResult")
                            .child("Credentials");
  Credentials credentials;
  credentials.access_key_id = node.child_value("AccessKeyId");
  credentials.secret_access_key = node.child_value("SecretAccessKey");
  credentials.session_token = node.child_value("SessionToken");
  register_secrets(credentials);
  credentials.expiration = parse_aws_timestamp(node.child_value("Expiration"));
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty() ||
      credentials.session_token.empty() || !credentials.expiration) {
    throw RuntimeError("STS AssumeRoleWithWebIdentity answered without complete credentials "
                       "(AccessKeyId, SecretAccessKey, SessionToken, Expiration)");
  }
  return credentials;
}

Credentials assume_role_with_web_identity(const WebIdentityRequest& request) {
  log::add_secret(request.token);
  const std::string body = form_body(request);
  http::Request http_request;
  http_request.method = "POST";
  http_request.url = request.sts_endpoint + "/";
  http_request.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                          {"Accept", "text/xml"}};
  http_request.body = {body};
  http::Options options;
  options.connect_timeout_ms = 5'000;
  options.total_timeout_ms = 30'000;
  options.ca_bundle = request.ca_bundle;
  http::Client client(options);
  const std::string what = "STS AssumeRoleWithWebIdentity for " + request.role_arn + " at " + request.sts_endpoint;
  CredentialResponse result =
      perform_credential_request(client, http_request, kStsRetry, what, [](const http::Response& response) {
        return response.status != 200 && retriable(response.status, parse_error(response.body).code);
      });
  if (result.response.status == 200) return parse_assume_role_with_web_identity_response(result.response.body);
  StsError error = parse_error(result.response.body);
  throw RuntimeError(log::redact(what + " failed " + result.attempts_text() + ": HTTP " +
                                 std::to_string(result.response.status) +
                                 (error.code.empty() ? "" : " " + error.code + ": " + error.message) +
                                 hint(error.code)));
}

}  // namespace pgdump2s3::s3
