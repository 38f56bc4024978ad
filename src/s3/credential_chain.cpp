#include "s3/credential_chain.h"

#include "s3/aws_profile.h"
#include "s3/imds_provider.h"
#include "s3/static_credentials_provider.h"
#include "s3/web_identity_provider.h"
#include "util/error.h"
#include "util/log.h"

namespace pgdump2s3::s3 {
namespace {

using ProviderPtr = std::unique_ptr<CredentialsProvider>;

// 1. AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN, or the
// older AWS_SECURITY_TOKEN that botocore still reads).
ProviderPtr from_environment(const Environment& env) {
  auto access_key = env.get("AWS_ACCESS_KEY_ID");
  auto secret_key = env.get("AWS_SECRET_ACCESS_KEY");
  if (!access_key && !secret_key) return nullptr;
  if (!access_key) throw ConfigError("AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not: set both");
  if (!secret_key) throw ConfigError("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not: set both");
  Credentials credentials{*access_key, *secret_key, env.get("AWS_SESSION_TOKEN").value_or(""), std::nullopt};
  if (credentials.session_token.empty()) credentials.session_token = env.get("AWS_SECURITY_TOKEN").value_or("");
  std::string source = "environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY";
  source += credentials.session_token.empty() ? ")" : ", AWS_SESSION_TOKEN)";
  return std::make_unique<StaticCredentialsProvider>(std::move(credentials), std::move(source));
}

// 2. AssumeRole from a profile: botocore takes any profile with role_arn and
// no web_identity_token_file. It needs SigV4-signed STS calls and source
// credentials, which this tool does not do.
void refuse_assume_role(const AwsProfile& profile) {
  auto role_arn = profile.find("role_arn");
  if (!role_arn || profile.find("web_identity_token_file")) return;
  if (profile.find("source_profile") || profile.find("credential_source")) {
    throw ConfigError(role_arn->source + " assumes role_arn with source_profile/credential_source, which "
                      "pgdump2s3 does not support: use a profile with keys, web_identity_token_file, "
                      "or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY");
  }
  throw ConfigError(role_arn->source + " has role_arn but neither web_identity_token_file, source_profile nor "
                    "credential_source (for web identity from the environment, set AWS_ROLE_ARN instead)");
}

// 3. Web identity: each environment variable wins over its profile key
// (botocore's AssumeRoleWithWebIdentityProvider._get_config).
ProviderPtr from_web_identity(const Environment& env, const AwsSettings& settings, const AwsProfile& profile,
                              const CredentialChainOptions& options) {
  auto pick = [&](const char* variable, const char* key) -> std::optional<ProfileValue> {
    if (auto value = env.get(variable)) return ProfileValue{*value, variable};
    return profile.find(key);
  };
  auto token_file = pick("AWS_WEB_IDENTITY_TOKEN_FILE", "web_identity_token_file");
  if (!token_file) return nullptr;
  auto role_arn = pick("AWS_ROLE_ARN", "role_arn");
  if (!role_arn) {
    throw ConfigError(token_file->source + " names a web identity token file but no role is set: set AWS_ROLE_ARN "
                      "(e.g. arn:aws:iam::ACCOUNT:role/NAME) or the profile's role_arn");
  }
  auto session_name = pick("AWS_ROLE_SESSION_NAME", "role_session_name");
  return std::make_unique<WebIdentityCredentialsProvider>(
      WebIdentityConfig{.role_arn = role_arn->value,
                        .token_file = expand_home(env, token_file->value),
                        .session_name = session_name ? session_name->value : "",
                        .sts_endpoint = settings.sts_endpoint_url,
                        .ca_bundle = settings.ca_bundle,
                        .origin = token_file->source,
                        .token_file_wait = options.token_file_wait});
}

void refuse(const AwsProfile& profile, const char* key, const std::string& what) {
  if (auto value = profile.find(key)) {
    throw ConfigError(value->source + " uses " + what + ", which pgdump2s3 does not support: export keys "
                      "(e.g. `aws configure export-credentials --format env`) or use web identity");
  }
}

// 5 and 7. aws_access_key_id + aws_secret_access_key (+ aws_session_token)
// in one file's section of the profile.
ProviderPtr from_profile_section(const IniSection& section, const std::string& where) {
  auto get = [&](const char* key) -> std::string {
    const std::string* value = section.value(key);
    return value ? *value : "";
  };
  std::string access_key = get("aws_access_key_id");
  std::string secret_key = get("aws_secret_access_key");
  if (access_key.empty() && secret_key.empty()) return nullptr;
  if (access_key.empty() || secret_key.empty()) {
    throw ConfigError(where + " has " + (access_key.empty() ? "aws_secret_access_key but no aws_access_key_id"
                                                            : "aws_access_key_id but no aws_secret_access_key"));
  }
  std::string token = get("aws_session_token");
  if (token.empty()) token = get("aws_security_token");
  return std::make_unique<StaticCredentialsProvider>(Credentials{access_key, secret_key, token, std::nullopt},
                                                     where);
}

// 9. Instance metadata: asked now; nullptr with `why` when it gave nothing.
ProviderPtr from_instance_metadata(const Environment& env, const AwsProfile& profile, std::string& why) {
  std::optional<ImdsConfig> config = imds_config(env, profile);
  if (!config) {
    why = "EC2 instance metadata is off (AWS_EC2_METADATA_DISABLED=true)";
    return nullptr;
  }
  auto provider = std::make_unique<ImdsCredentialsProvider>(*config);
  try {
    provider->get();
    return provider;
  } catch (const RuntimeError& e) {
    why = e.what();
    log::debug("no credentials from EC2 instance metadata", {{"error", e.what()}});
    return nullptr;
  }
}

}  // namespace

std::unique_ptr<CredentialsProvider> make_credentials_provider(const Environment& env, const AwsSettings& settings,
                                                               const CredentialChainOptions& options) {
  if (ProviderPtr provider = from_environment(env)) return provider;

  const AwsProfile profile = load_aws_profile(env, settings.profile);
  refuse_assume_role(profile);
  if (ProviderPtr provider = from_web_identity(env, settings, profile, options)) return provider;
  refuse(profile, "sso_start_url", "AWS IAM Identity Center (sso_start_url)");
  refuse(profile, "sso_session", "AWS IAM Identity Center (sso_session)");
  if (ProviderPtr provider = from_profile_section(profile.credentials, profile.credentials_source())) {
    return provider;
  }
  refuse(profile, "credential_process", "credential_process");
  if (ProviderPtr provider = from_profile_section(profile.config, profile.config_source())) return provider;

  if (auto container = container_credentials_config(env, options.container_relative_base)) {
    return std::make_unique<ContainerCredentialsProvider>(std::move(*container));
  }
  std::string why;
  if (ProviderPtr provider = from_instance_metadata(env, profile, why)) return provider;

  throw ConfigError("no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_ROLE_ARN "
                    "and AWS_WEB_IDENTITY_TOKEN_FILE, or AWS_PROFILE with keys in " +
                    profile.credentials_path + " (" + why + ")");
}

}  // namespace pgdump2s3::s3
