#include "http/client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <strings.h>

namespace pgdump2s3::http {
namespace {

void global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

bool is_retriable(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:  // DNS hiccups on ephemeral machines
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:    // includes the low-speed (stall) limit
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:            // connection reset
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:          // response cut short
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
      return true;
    default:
      return false;
  }
}

struct Transfer {
  const Request* request = nullptr;
  Response* response = nullptr;
  std::size_t upload_offset = 0;  // across all body pieces
  bool stream_body = false;
  bool status_known = false;
  bool aborted_by_sink = false;
};

// curl asks for the next bytes of the body: copy them from the pieces into
// curl's own send buffer (the only copy, and curl's).
std::size_t read_body(char* dest, std::size_t size, std::size_t nitems, void* userdata) {
  auto* t = static_cast<Transfer*>(userdata);
  std::size_t want = size * nitems;
  std::size_t written = 0;
  std::size_t piece_start = 0;
  for (std::string_view piece : t->request->body) {
    std::size_t piece_end = piece_start + piece.size();
    if (t->upload_offset < piece_end && written < want) {
      std::size_t from = t->upload_offset - piece_start;
      std::size_t n = std::min(want - written, piece.size() - from);
      std::memcpy(dest + written, piece.data() + from, n);
      written += n;
      t->upload_offset += n;
    }
    piece_start = piece_end;
    if (written == want) break;
  }
  return written;
}

int seek_body(void* userdata, curl_off_t offset, int origin) {
  auto* t = static_cast<Transfer*>(userdata);
  if (origin != SEEK_SET || offset < 0 ||
      static_cast<std::size_t>(offset) > t->request->body_size()) {
    return CURL_SEEKFUNC_CANTSEEK;
  }
  t->upload_offset = static_cast<std::size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

std::size_t write_body(char* data, std::size_t size, std::size_t nmemb, void* userdata) {
  auto* t = static_cast<Transfer*>(userdata);
  std::size_t n = size * nmemb;
  if (t->stream_body && t->response->status >= 200 && t->response->status < 300) {
    if (!t->request->on_body(std::string_view(data, n))) {
      t->aborted_by_sink = true;
      return 0;  // makes curl fail with CURLE_WRITE_ERROR
    }
    return n;
  }
  t->response->body.append(data, n);
  return n;
}

int on_progress(void* userdata, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(userdata);
  return t->request->cancelled() ? 1 : 0;  // non-zero: CURLE_ABORTED_BY_CALLBACK
}

std::size_t write_header(char* data, std::size_t size, std::size_t nitems, void* userdata) {
  auto* t = static_cast<Transfer*>(userdata);
  std::size_t n = size * nitems;
  std::string_view line(data, n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.starts_with("HTTP/")) {
    // A new status line (after 100 Continue or a redirect): start over.
    t->response->headers.clear();
    auto sp = line.find(' ');
    t->response->status = sp == std::string_view::npos ? 0 : std::atol(line.data() + sp + 1);
    return n;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  t->response->headers.push_back({std::string(line.substr(0, colon)), std::string(value)});
  return n;
}

}  // namespace

std::size_t Request::body_size() const {
  std::size_t total = 0;
  for (std::string_view piece : body) total += piece.size();
  return total;
}

const std::string* Response::header(std::string_view name) const {
  for (const Header& h : headers) {
    if (h.name.size() == name.size() && strncasecmp(h.name.data(), name.data(), name.size()) == 0) {
      return &h.value;
    }
  }
  return nullptr;
}

struct Client::Impl {
  Options options;
  CURL* easy = nullptr;
  char error_buffer[CURL_ERROR_SIZE] = {};
};

Client::Client(Options options) : impl_(std::make_unique<Impl>()) {
  global_init_once();
  impl_->options = std::move(options);
  impl_->easy = curl_easy_init();
  if (impl_->easy == nullptr) throw std::runtime_error("curl_easy_init failed");
}

Client::~Client() { curl_easy_cleanup(impl_->easy); }

Response Client::perform(const Request& request) {
  CURL* c = impl_->easy;
  const Options& o = impl_->options;
  // Reset per-request options but keep the connection cache (keep-alive).
  curl_easy_reset(c);

  Response response;
  Transfer t;
  t.request = &request;
  t.response = &response;
  t.stream_body = static_cast<bool>(request.on_body);

  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM for DNS timeouts
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, impl_->error_buffer);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, o.connect_timeout_ms);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, o.low_speed_limit);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, o.low_speed_time_s);
  if (o.total_timeout_ms > 0) curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o.total_timeout_ms);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!o.ca_bundle.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, o.ca_bundle.c_str());
  if (!o.unix_socket.empty()) curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, o.unix_socket.c_str());
  // Never follow redirects silently: S3 redirects name another region and
  // must be re-signed by the caller.
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, write_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  if (request.cancelled) {
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
  }

  const std::size_t body_size = request.body_size();
  const bool has_body = body_size > 0 || request.method == "PUT" || request.method == "POST";
  if (request.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (has_body) {
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_body);
    curl_easy_setopt(c, CURLOPT_READDATA, &t);
    curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, seek_body);
    curl_easy_setopt(c, CURLOPT_SEEKDATA, &t);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(body_size));
    if (request.method != "PUT") curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  } else if (request.method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }

  curl_slist* header_list = nullptr;
  for (const Header& h : request.headers) {
    std::string line = h.name + ":";
    if (h.value.empty()) {
      line.back() = ';';  // curl's syntax for a header with an empty value
    } else {
      line += ' ';
      line += h.value;
    }
    header_list = curl_slist_append(header_list, line.c_str());
  }
  // curl adds "Expect: 100-continue" to large uploads; keep it (a rejected
  // request then costs no body) but never let curl add a Content-Type.
  if (has_body) {
    bool has_type = std::any_of(request.headers.begin(), request.headers.end(), [](const Header& h) {
      return strcasecmp(h.name.c_str(), "content-type") == 0;
    });
    if (!has_type) header_list = curl_slist_append(header_list, "Content-Type:");
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, header_list);

  impl_->error_buffer[0] = '\0';
  CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(header_list);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, nullptr);

  if (rc != CURLE_OK) {
    std::string detail = impl_->error_buffer[0] != '\0' ? impl_->error_buffer : curl_easy_strerror(rc);
    if (rc == CURLE_ABORTED_BY_CALLBACK) {
      throw TransportError("request cancelled", static_cast<int>(rc), false);
    }
    if (t.aborted_by_sink) {
      throw TransportError("download aborted by its reader", static_cast<int>(rc), false);
    }
    throw TransportError(detail, static_cast<int>(rc), is_retriable(rc));
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  response.status = status;
  return response;
}

std::string uri_encode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (unsigned char ch : text) {
    bool unreserved = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.' || ch == '~';
    if (unreserved || (keep_slash && ch == '/')) {
      out.push_back(static_cast<char>(ch));
    } else {
      out.push_back('%');
      out.push_back(kHex[ch >> 4]);
      out.push_back(kHex[ch & 0x0f]);
    }
  }
  return out;
}

std::string uri_decode(std::string_view text) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

}  // namespace pgdump2s3::http
