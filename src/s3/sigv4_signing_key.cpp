// Stage 3 of SigV4: the signing key (AWS General Reference, "Derive a
// signing key"), and the cache that spares repeating it per request.
#include <algorithm>

#include "s3/signer.h"

namespace pgdump2s3::s3::sigv4 {
namespace {

std::string_view as_text(const Sha256Digest& digest) {
  return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

}  // namespace

Sha256Digest derive_signing_key(std::string_view secret_access_key, const Scope& scope) {
  std::string seed = "AWS4";
  seed.append(secret_access_key);
  Sha256Digest key = hmac_sha256(seed, scope.date);
  key = hmac_sha256(as_text(key), scope.region);
  key = hmac_sha256(as_text(key), scope.service);
  return hmac_sha256(as_text(key), "aws4_request");
}

Sha256Digest SigningKeyCache::get(std::string_view secret_access_key, const Scope& scope) {
  // The id covers the secret too, so rotated credentials never reuse a key;
  // the '\n' separators keep (secret, scope) pairs from colliding.
  std::string id_input(secret_access_key);
  id_input += '\n';
  id_input += scope.str();
  const Sha256Digest id = sha256(id_input);
  {
    std::lock_guard lock(mutex_);
    for (const Entry& e : entries_) {
      if (e.id == id) return e.key;
    }
  }
  // Derived outside the lock: two threads may both derive the same key once.
  const Sha256Digest key = derive_signing_key(secret_access_key, scope);
  if (capacity_ == 0) return key;
  std::lock_guard lock(mutex_);
  std::erase_if(entries_, [&](const Entry& e) { return e.date < scope.date || e.id == id; });
  if (entries_.size() >= capacity_) entries_.erase(entries_.begin());  // the oldest
  entries_.push_back({id, scope.date, key});
  return key;
}

std::size_t SigningKeyCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

SigningKeyCache& signing_key_cache() {
  static SigningKeyCache cache;
  return cache;
}

}  // namespace pgdump2s3::s3::sigv4
