// Temporary credentials from a container credentials endpoint: ECS task
// roles (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, served by the ECS agent at
// 169.254.170.2) and EKS Pod Identity or any local agent
// (AWS_CONTAINER_CREDENTIALS_FULL_URI, with an Authorization header from
// AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE or AWS_CONTAINER_AUTHORIZATION_TOKEN).
// The relative URI wins when both are set, as in botocore.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "s3/refreshing_credentials_provider.h"
#include "util/env.h"

namespace pgdump2s3::s3 {

// Where ECS serves task credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
// is a path on it).
inline constexpr std::string_view kEcsCredentialsBase = "http://169.254.170.2";

struct ContainerCredentialsConfig {
  std::string url;                       // the endpoint, without secrets
  std::string url_variable;              // the variable that gave it, for source()
  std::string authorization_token;       // AWS_CONTAINER_AUTHORIZATION_TOKEN
  std::string authorization_token_file;  // wins over the token; read at every fetch
};

// nullopt when neither URI variable is set. `relative_base` is
// kEcsCredentialsBase except in tests, which serve the relative URI on
// loopback. Throws ConfigError for a plain-http full URI whose host is not
// loopback or one of the ECS/EKS link-local addresses (botocore allows only
// those, so that the Authorization token never crosses a network in clear).
std::optional<ContainerCredentialsConfig> container_credentials_config(
    const Environment& env, std::string_view relative_base = kEcsCredentialsBase);

class ContainerCredentialsProvider final : public RefreshingCredentialsProvider {
 public:
  explicit ContainerCredentialsProvider(ContainerCredentialsConfig config) : config_(std::move(config)) {}
  std::string source() const override;

 protected:
  Credentials fetch() override;

 private:
  std::string authorization() const;

  const ContainerCredentialsConfig config_;
};

}  // namespace pgdump2s3::s3
