#include "s3/static_credentials_provider.h"

namespace pgdump2s3::s3 {

StaticCredentialsProvider::StaticCredentialsProvider(Credentials credentials, std::string source)
    : credentials_(std::move(credentials)), source_(std::move(source)) {
  register_secrets(credentials_);
}

}  // namespace pgdump2s3::s3
