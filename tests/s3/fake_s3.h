// An in-memory S3 behind the Transport interface, for unit tests of the S3
// client and the multipart state machine (STYLE.md habit 9): it stores
// objects and multipart uploads, checks Content-MD5 and the payload hash,
// records every request, and answers scripted faults instead when told.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "http/client.h"
#include "s3/s3_transport.h"
#include "util/digest.h"

namespace pgdump2s3::s3::testing {

struct RecordedRequest {
  std::string method;
  std::string path;   // "/bucket/key", encoded as sent
  std::string query;  // as sent
  http::Headers headers;
  std::uint64_t body_size = 0;
  std::string header(std::string_view name) const {
    http::Response r;
    r.headers = headers;
    const std::string* v = r.header(name);
    return v ? *v : std::string();
  }
};

inline http::Response s3_error_response(long status, const std::string& code, const std::string& extra = "") {
  http::Response r;
  r.status = status;
  r.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>fake " + code +
           "</Message>" + extra + "<RequestId>FAKE</RequestId></Error>";
  return r;
}

class FakeS3 {
 public:
  // A scripted answer for the requests it matches: `method` exact (empty:
  // any), `query_contains` a substring of the query; the first `skip` pass,
  // then `times` (0: all) get `respond`, which may throw http::TransportError.
  // Rules are tried in order and the first due one answers; a rule counts
  // only the requests that reach it.
  struct Rule {
    std::string method;
    std::string query_contains;
    int skip = 0;
    int times = 1;
    std::function<http::Response(const http::Request&)> respond;
    int seen = 0;
  };

  void add_rule(Rule rule) {
    std::lock_guard lock(mutex_);
    rules_.push_back(std::move(rule));
  }
  // Each part upload takes at least this long (so that overlap is visible).
  void set_part_delay(std::chrono::milliseconds delay) { part_delay_ = delay; }

  TransportFactory factory() {
    return [this] { return std::make_unique<Connection>(*this); };
  }

  std::vector<RecordedRequest> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  int count(const std::string& method, const std::string& query_contains) {
    std::lock_guard lock(mutex_);
    return static_cast<int>(std::count_if(requests_.begin(), requests_.end(), [&](const RecordedRequest& r) {
      return r.method == method && r.query.find(query_contains) != std::string::npos;
    }));
  }
  std::optional<std::string> object(const std::string& path) {
    std::lock_guard lock(mutex_);
    auto it = objects_.find(path);
    if (it == objects_.end()) return std::nullopt;
    return it->second;
  }
  void put(const std::string& path, std::string data) {
    std::lock_guard lock(mutex_);
    objects_[path] = std::move(data);
  }
  std::size_t open_uploads() {
    std::lock_guard lock(mutex_);
    return uploads_.size();
  }
  int max_concurrent_parts() const { return max_concurrent_parts_.load(); }

 private:
  class Connection : public Transport {
   public:
    explicit Connection(FakeS3& s3) : s3_(s3) {}
    http::Response perform(const http::Request& request) override { return s3_.handle(request); }

   private:
    FakeS3& s3_;
  };

  static std::string joined(const http::Request& request) {
    std::string out;
    for (std::string_view piece : request.body) out.append(piece);
    return out;
  }

  static std::string param(const std::string& query, const std::string& name) {
    std::size_t pos = 0;
    while (pos <= query.size()) {
      std::size_t end = query.find('&', pos);
      if (end == std::string::npos) end = query.size();
      std::string item = query.substr(pos, end - pos);
      if (item.rfind(name + "=", 0) == 0) return http::uri_decode(item.substr(name.size() + 1));
      pos = end + 1;
    }
    return {};
  }

  http::Response handle(const http::Request& request) {
    RecordedRequest rec;
    rec.method = request.method;
    std::string rest = request.url.substr(request.url.find("://") + 3);
    rest = rest.substr(rest.find('/'));
    auto q = rest.find('?');
    rec.path = rest.substr(0, q);
    rec.query = q == std::string::npos ? "" : rest.substr(q + 1);
    rec.headers = request.headers;
    rec.body_size = request.body_size();
    std::function<http::Response(const http::Request&)> scripted;
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(rec);
      for (Rule& rule : rules_) {
        if (!rule.method.empty() && rule.method != rec.method) continue;
        if (rec.query.find(rule.query_contains) == std::string::npos) continue;
        int n = rule.seen++;
        if (n < rule.skip || (rule.times > 0 && n >= rule.skip + rule.times)) continue;
        scripted = rule.respond;
        break;
      }
    }
    if (scripted) return scripted(request);

    std::string body = joined(request);
    if (!body.empty()) {
      // Content-MD5 or x-amz-checksum-sha256, whichever came; one must.
      const std::string* md5 = header_of(request, "Content-MD5");
      const std::string* checksum = header_of(request, "x-amz-checksum-sha256");
      if (md5 == nullptr && checksum == nullptr) return s3_error_response(400, "InvalidRequest");
      if (md5 != nullptr && *md5 != base64(pgdump2s3::md5(body))) return s3_error_response(400, "BadDigest");
      if (checksum != nullptr && *checksum != base64(pgdump2s3::sha256(body))) {
        return s3_error_response(400, "BadDigest");
      }
    }
    const std::string* sha = header_of(request, "x-amz-content-sha256");
    if (sha == nullptr || *sha != sha256_hex(body)) return s3_error_response(400, "XAmzContentSHA256Mismatch");
    if (header_of(request, "Authorization") == nullptr) return s3_error_response(403, "AccessDenied");

    const std::string& path = rec.path;
    const std::string& query = rec.query;
    std::string upload_id = param(query, "uploadId");
    http::Response ok;
    ok.status = 200;
    if (request.method == "PUT" && query.empty()) {
      std::lock_guard lock(mutex_);
      objects_[path] = body;
      ok.headers.push_back({"ETag", "\"" + hex_lower(pgdump2s3::md5(body)) + "\""});
      return ok;
    }
    if (request.method == "POST" && query == "uploads") {
      std::lock_guard lock(mutex_);
      std::string id = "upload-" + std::to_string(++next_upload_);
      uploads_[id] = Upload{path, {}};
      ok.body = "<InitiateMultipartUploadResult><UploadId>" + id + "</UploadId></InitiateMultipartUploadResult>";
      return ok;
    }
    if (request.method == "PUT" && !upload_id.empty()) {
      int active = ++active_parts_;
      int seen = max_concurrent_parts_.load();
      while (active > seen && !max_concurrent_parts_.compare_exchange_weak(seen, active)) {
      }
      std::this_thread::sleep_for(part_delay_);
      --active_parts_;
      std::lock_guard lock(mutex_);
      auto it = uploads_.find(upload_id);
      if (it == uploads_.end()) return s3_error_response(404, "NoSuchUpload");
      it->second.parts[std::stoi(param(query, "partNumber"))] = body;
      ok.headers.push_back({"ETag", "\"" + hex_lower(pgdump2s3::md5(body)) + "\""});
      return ok;
    }
    if (request.method == "POST" && !upload_id.empty()) {
      std::lock_guard lock(mutex_);
      auto it = uploads_.find(upload_id);
      if (it == uploads_.end()) return s3_error_response(404, "NoSuchUpload");
      std::string object;
      for (const auto& [n, data] : it->second.parts) object += data;
      objects_[path] = object;
      uploads_.erase(it);
      ok.body = "<CompleteMultipartUploadResult><ETag>\"fake-etag\"</ETag></CompleteMultipartUploadResult>";
      return ok;
    }
    if (request.method == "DELETE" && !upload_id.empty()) {
      std::lock_guard lock(mutex_);
      if (uploads_.erase(upload_id) == 0) return s3_error_response(404, "NoSuchUpload");
      ok.status = 204;
      return ok;
    }
    if (request.method == "HEAD" || request.method == "GET") {
      std::lock_guard lock(mutex_);
      auto it = objects_.find(path);
      if (it == objects_.end()) {
        http::Response missing = request.method == "HEAD" ? http::Response{404, {}, {}}
                                                          : s3_error_response(404, "NoSuchKey");
        return missing;
      }
      std::string etag = "\"" + hex_lower(pgdump2s3::md5(it->second)) + "\"";
      ok.headers.push_back({"ETag", etag});
      if (request.method == "HEAD") {
        ok.headers.push_back({"Content-Length", std::to_string(it->second.size())});
        return ok;
      }
      const std::string* if_match = header_of(request, "If-Match");
      if (if_match != nullptr && *if_match != etag) return s3_error_response(412, "PreconditionFailed");
      std::string data = it->second;
      if (const std::string* range = header_of(request, "Range")) {
        // "bytes=FIRST-LAST"
        std::size_t dash = range->find('-');
        std::uint64_t first = std::stoull(range->substr(6, dash - 6));
        std::uint64_t last = std::stoull(range->substr(dash + 1));
        data = data.substr(first, last - first + 1);
        ok.status = 206;
      }
      if (request.on_body) {
        if (!data.empty() && !request.on_body(data)) throw http::TransportError("aborted", 23, false);
      } else {
        ok.body = data;
      }
      return ok;
    }
    return s3_error_response(501, "NotImplemented");
  }

  static const std::string* header_of(const http::Request& request, std::string_view name) {
    for (const http::Header& h : request.headers) {
      if (h.name.size() == name.size() &&
          std::equal(h.name.begin(), h.name.end(), name.begin(),
                     [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
        return &h.value;
      }
    }
    return nullptr;
  }

  struct Upload {
    std::string path;
    std::map<int, std::string> parts;
  };

  std::mutex mutex_;
  std::vector<Rule> rules_;                 // guarded by mutex_
  std::vector<RecordedRequest> requests_;  // guarded by mutex_
  std::map<std::string, std::string> objects_;  // guarded by mutex_
  std::map<std::string, Upload> uploads_;       // guarded by mutex_
  int next_upload_ = 0;                         // guarded by mutex_
  std::chrono::milliseconds part_delay_{0};
  std::atomic<int> active_parts_{0};
  std::atomic<int> max_concurrent_parts_{0};
};

}  // namespace pgdump2s3::s3::testing
