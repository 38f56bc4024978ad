// Hashes, HMAC and encodings from OpenSSL 3's EVP interface (never hand-written).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace pgdump2s3 {

using Sha256Digest = std::array<std::uint8_t, 32>;
using Md5Digest = std::array<std::uint8_t, 16>;

Sha256Digest sha256(std::string_view data);
Md5Digest md5(std::string_view data);
Sha256Digest hmac_sha256(std::string_view key, std::string_view data);

std::string hex_lower(std::span<const std::uint8_t> bytes);
std::string base64(std::span<const std::uint8_t> bytes);
// Returns false when `text` is not valid base64.
bool base64_decode(std::string_view text, std::string& out);

inline std::string sha256_hex(std::string_view data) { return hex_lower(sha256(data)); }

// Incremental hashing over a stream (the whole object's SHA-256 while it is
// uploaded in parts). Not thread-safe; one owner feeds it.
class StreamingDigest {
 public:
  enum class Kind { kSha256, kMd5 };
  explicit StreamingDigest(Kind kind);
  ~StreamingDigest();
  StreamingDigest(StreamingDigest&&) noexcept;
  StreamingDigest& operator=(StreamingDigest&&) noexcept;
  void update(std::string_view data);
  // Finishes the digest; the object can not be fed afterwards.
  std::string finish_hex();
  std::string finish_raw();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pgdump2s3
