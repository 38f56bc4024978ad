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
  // AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile's endpoint_url; empty
  // means AWS itself (https://s3.REGION.amazonaws.com).
  std::string endpoint_url;
  // Path-style (https://host/bucket/key) on custom endpoints, virtual-hosted
  // (https://bucket.host/key) on AWS, unless AWS_S3_ADDRESSING_STYLE or the
  // profile's s3.addressing_style says otherwise.
  bool path_style = false;
  // AWS_CA_BUNDLE or the profile's ca_bundle; empty = the system store.
  std::string ca_bundle;
  // AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, else https://sts.REGION.amazonaws.com.
  std::string sts_endpoint_url;
  std::string profile = "default";  // AWS_PROFILE
};

}  // namespace pgdump2s3::s3
