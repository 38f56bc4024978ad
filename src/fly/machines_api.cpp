#include "fly/machines_api.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "fly/api_error.h"
#include "fly/api_token.h"
#include "util/error.h"
#include "util/log.h"

namespace pgdump2s3::fly {
namespace {

// The wait endpoint blocks for up to 60 s (OpenAPI "Wait for State"); give
// the connection that long plus slack before calling it stalled.
constexpr long kLongestAnswerS = 60 + 30;
// The wait endpoint rejects timeouts outside [1 s, 60 s] (fly-go
// flaps_machines_wait.go clamps to that range; NOTES.md §4).
constexpr int kMaxWaitS = 60;
// GET .../events returns at most 50 events (OpenAPI "List Events").
constexpr int kMaxEvents = 50;

http::Options client_options() {
  http::Options o;
  o.low_speed_limit = 1;
  o.low_speed_time_s = kLongestAnswerS;
  o.total_timeout_ms = kLongestAnswerS * 1000;
  return o;
}

bool is_success(long status) { return status >= 200 && status <= 299; }

// Retry-After in seconds (RFC 9110 §10.2.3; the HTTP-date form is not used
// by this API), or nullopt.
std::optional<std::chrono::milliseconds> retry_after(const http::Response& r) {
  const std::string* value = r.header("Retry-After");
  if (value == nullptr || value->empty()) return std::nullopt;
  char* end = nullptr;
  long seconds = std::strtol(value->c_str(), &end, 10);
  if (end == value->c_str() || seconds < 0) return std::nullopt;
  return std::chrono::seconds(seconds);
}

}  // namespace

MachinesApi::MachinesApi(ApiSettings settings, s3::RetryPolicy retry)
    : settings_(std::move(settings)),
      authorization_(authorization_header(settings_.token)),
      retry_(retry),
      client_(client_options()),
      random_(std::random_device{}()) {
  // The token must never reach a log line or an error message.
  log::add_secret(settings_.token);
  log::add_secret(bare_token(settings_.token));
  while (!settings_.base_url.empty() && settings_.base_url.back() == '/') settings_.base_url.pop_back();
}

std::string MachinesApi::app_path() const {
  return "/v1/apps/" + http::uri_encode(settings_.app, false);
}

std::string MachinesApi::machine_path(const std::string& id) const {
  return app_path() + "/machines/" + http::uri_encode(id, false);
}

http::Response MachinesApi::send(std::string_view method, const std::string& path,
                                 const std::string& body, std::string_view what, bool cancellable) {
  http::Request request;
  request.method = std::string(method);
  request.url = settings_.base_url + path;
  request.headers.push_back({"Authorization", authorization_});
  request.headers.push_back({"Accept", "application/json"});
  if (!body.empty()) {
    request.headers.push_back({"Content-Type", "application/json"});
    request.body.push_back(body);
  }
  if (cancellable) request.cancelled = cancelled_;

  for (int attempt = 1;; ++attempt) {
    std::string problem;
    std::optional<std::chrono::milliseconds> server_delay;
    try {
      http::Response response = client_.perform(request);
      if (!is_retriable_status(response.status) || attempt == retry_.max_attempts) return response;
      problem = "HTTP " + std::to_string(response.status);
      server_delay = retry_after(response);
    } catch (const http::TransportError& e) {
      if (!e.retriable() || attempt == retry_.max_attempts) {
        throw RuntimeError("cannot reach the Fly Machines API at " + settings_.base_url + " while " +
                           std::string(what) + ": " + e.what() + " (attempt " +
                           std::to_string(attempt) + " of " + std::to_string(retry_.max_attempts) + ")");
      }
      problem = e.what();
    }
    auto delay = retry_.backoff(attempt, random_);
    if (server_delay) delay = std::min(std::max(delay, *server_delay), retry_.max_delay);
    log::warn("Fly API: " + problem + " while " + std::string(what) + "; retrying in " +
              std::to_string(delay.count()) + " ms (attempt " + std::to_string(attempt + 1) + " of " +
              std::to_string(retry_.max_attempts) + ")");
    std::this_thread::sleep_for(delay);
  }
}

void MachinesApi::fail(const http::Response& response, std::string_view what) const {
  std::string message = api_error_message(response.status, response.body, what, settings_.app);
  if (is_configuration_status(response.status)) throw ConfigError(message);
  throw RuntimeError(message);
}

nlohmann::json MachinesApi::parse(const http::Response& response, std::string_view what) const {
  nlohmann::json j = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    throw RuntimeError("Fly API answered " + std::to_string(response.status) + " with a body that is not JSON while " +
                       std::string(what) + " in app '" + settings_.app + "'");
  }
  return j;
}

nlohmann::json MachinesApi::create_machine(const nlohmann::json& request) {
  const char* what = "creating the worker machine";
  http::Response r = send("POST", app_path() + "/machines", request.dump(), what);
  if (is_success(r.status)) return parse(r, what);
  // A create whose answer was lost and was then retried meets its own name
  // (CreateMachineRequest.name is unique per app; ErrorResponse status
  // name_taken): adopt that machine rather than leave it running unseen.
  if (error_status(r.body) == "name_taken" && request.contains("name")) {
    for (const nlohmann::json& m : list_machines(false)) {
      if (m.value("name", "") == request["name"]) return m;
    }
  }
  fail(r, what);
}

nlohmann::json MachinesApi::update_machine(const std::string& id, const nlohmann::json& request) {
  const std::string what = "updating machine " + id;
  http::Response r = send("POST", machine_path(id), request.dump(), what);
  if (!is_success(r.status)) fail(r, what);
  return parse(r, what);
}

std::optional<nlohmann::json> MachinesApi::get_machine(const std::string& id) {
  const std::string what = "reading machine " + id;
  http::Response r = send("GET", machine_path(id), "", what);
  if (r.status == 404) return std::nullopt;
  if (!is_success(r.status)) fail(r, what);
  return parse(r, what);
}

nlohmann::json MachinesApi::list_machines(bool include_deleted) {
  const char* what = "listing machines";
  http::Response r = send("GET", app_path() + "/machines" + (include_deleted ? "?include_deleted=true" : ""),
                          "", what);
  if (!is_success(r.status)) fail(r, what);
  nlohmann::json machines = parse(r, what);
  return machines.is_array() ? machines : nlohmann::json::array();
}

std::optional<nlohmann::json> MachinesApi::list_events(const std::string& id) {
  const std::string what = "reading the events of machine " + id;
  http::Response r = send("GET", machine_path(id) + "/events?limit=" + std::to_string(kMaxEvents), "", what);
  if (r.status == 404) return std::nullopt;
  if (!is_success(r.status)) fail(r, what);
  return parse(r, what);
}

WaitResult MachinesApi::wait(const std::string& id, std::string_view state, std::string_view version,
                             int timeout_s) {
  const std::string what = "waiting for machine " + id + " to be " + std::string(state);
  std::string path = machine_path(id) + "/wait?state=" + http::uri_encode(state, false) +
                     "&timeout=" + std::to_string(std::clamp(timeout_s, 1, kMaxWaitS));
  if (!version.empty()) path += "&version=" + http::uri_encode(version, false);
  http::Response r = send("GET", path, "", what, /*cancellable=*/true);
  if (r.status == 408) return WaitResult::kTimedOut;
  if (r.status == 404) return WaitResult::kGone;
  if (!is_success(r.status)) fail(r, what);
  return WaitResult::kReached;
}

bool MachinesApi::stop_machine(const std::string& id, std::string_view signal, std::string_view timeout) {
  const std::string what = "stopping machine " + id;
  nlohmann::json body = {{"signal", signal}, {"timeout", timeout}};
  http::Response r = send("POST", machine_path(id) + "/stop", body.dump(), what);
  if (r.status == 404) return false;
  if (!is_success(r.status)) fail(r, what);
  return true;
}

bool MachinesApi::destroy_machine(const std::string& id) {
  const std::string what = "destroying machine " + id;
  http::Response r = send("DELETE", machine_path(id) + "?force=true", "", what);
  if (r.status == 404) return false;
  if (!is_success(r.status)) fail(r, what);
  return true;
}

nlohmann::json MachinesApi::create_volume(const nlohmann::json& request) {
  const char* what = "creating the temporary volume";
  http::Response r = send("POST", app_path() + "/volumes", request.dump(), what);
  if (!is_success(r.status)) fail(r, what);
  return parse(r, what);
}

nlohmann::json MachinesApi::list_volumes() {
  const char* what = "listing volumes";
  http::Response r = send("GET", app_path() + "/volumes", "", what);
  if (!is_success(r.status)) fail(r, what);
  nlohmann::json volumes = parse(r, what);
  return volumes.is_array() ? volumes : nlohmann::json::array();
}

bool MachinesApi::destroy_volume(const std::string& id) {
  const std::string what = "destroying volume " + id;
  http::Response r = send("DELETE", app_path() + "/volumes/" + http::uri_encode(id, false), "", what);
  if (r.status == 404) return false;
  if (!is_success(r.status)) fail(r, what);
  return true;
}

}  // namespace pgdump2s3::fly
