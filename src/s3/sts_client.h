// AWS STS AssumeRoleWithWebIdentity: trades an OIDC token (Fly.io's
// /.fly/oidc_token, an EKS service-account token) for temporary credentials.
//
// The call is a Query API request (Action=...&Version=2011-06-15) that needs
// no SigV4 signature: "Calling AssumeRoleWithWebIdentity does not require the
// use of AWS security credentials" (AWS STS API reference). It is sent as a
// form-encoded POST so that the token stays out of URLs (and access logs).
#pragma once

#include <string>
#include <string_view>

#include "s3/credentials.h"

namespace pgdump2s3::s3 {

struct WebIdentityRequest {
  std::string sts_endpoint;  // https://sts.REGION.amazonaws.com or AWS_ENDPOINT_URL_STS
  std::string ca_bundle;     // empty = the system store
  std::string role_arn;
  std::string session_name;
  std::string token;         // the OIDC token (a JWT); a secret
};

// Calls STS; transport errors, 5xx, throttling and IDPCommunicationError
// (the identity provider did not answer STS) are retried a few times.
// Throws RuntimeError naming the endpoint, the role and STS's error code.
Credentials assume_role_with_web_identity(const WebIdentityRequest& request);

// The credentials in an AssumeRoleWithWebIdentityResponse document.
// Throws RuntimeError when they are missing.
Credentials parse_assume_role_with_web_identity_response(std::string_view xml);

}  // namespace pgdump2s3::s3
