// Where and how to talk to S3, resolved once from the environment and the
// AWS profile files the way the AWS CLI does (resolve_aws_settings in
// aws_settings.cpp). Credentials are resolved separately (credentials.h).
#pragma once

#include <string>

#include "util/env.h"

namespace pgdump2s3::s3 {

struct AwsSettings {
  // AWS_REGION, AWS_DEFAULT_REGION, the profile's region, else us-east-1.
  std::string region = "us-east-1";
  std::string region_source = "default";  // for --dry-run: "AWS_REGION", "profile default", ...
  // AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile's [services] s3
  // endpoint_url, its own "s3 = endpoint_url", its endpoint_url (the AWS SDKs'
  // order, all ignored under AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true); empty
  // means AWS itself (https://s3.REGION.amazonaws.com).
  std::string endpoint_url;
  std::string endpoint_source = "default";  // "AWS_ENDPOINT_URL_S3", "profile prod in /root/.aws/config", ...
  // Path-style (https://host/bucket/key) on custom endpoints, virtual-hosted
  // (https://bucket.host/key) on AWS, unless AWS_S3_ADDRESSING_STYLE or the
  // profile's s3.addressing_style says otherwise.
  bool path_style = false;
  std::string addressing_source = "default";  // "AWS_S3_ADDRESSING_STYLE", a profile, "default"
  // AWS_CA_BUNDLE or the profile's ca_bundle; empty = the system store.
  std::string ca_bundle;
  std::string ca_bundle_source = "default";
  // AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, the profile's [services] sts
  // endpoint_url, its endpoint_url, else https://sts.REGION.amazonaws.com.
  std::string sts_endpoint_url;
  std::string sts_endpoint_source = "default";
  std::string profile = "default";  // AWS_PROFILE
};

// Resolves every setting above from `env` and the profile files it names.
// Throws ConfigError (one line naming the variable or file) for a bad URL,
// an unknown addressing style, a missing CA bundle, an unparsable profile
// file, or an AWS_PROFILE that neither profile file defines.
AwsSettings resolve_aws_settings(const Environment& env);

// `url` ("http(s)://HOST[:PORT][/PATH]") without trailing slashes; throws
// ConfigError "SOURCE=URL: not an endpoint URL" for anything else.
std::string checked_endpoint_url(const std::string& url, const std::string& source);

}  // namespace pgdump2s3::s3
