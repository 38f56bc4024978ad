// A client for the parts of the Fly.io Machines REST API that running a
// backup on a throwaway machine needs (shared/refdata/fly: the OpenAPI
// excerpt and NOTES.md): machines, their events and the wait endpoint, and
// volumes. HTTP goes through http::Client; every call is retried on 429, 5xx
// and dropped connections with capped, jittered backoff; any other failure
// is one line (api_error.h). Not thread-safe: one owner, one thread.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "http/client.h"
#include "s3/retry_policy.h"

namespace pgdump2s3::fly {

struct ApiSettings {
  // Public base URL (NOTES.md §1); FLY_MACHINES_API_URL points elsewhere,
  // e.g. http://_api.internal:4280 inside Fly's private network, or a test.
  std::string base_url = "https://api.machines.dev";
  std::string app;
  std::string token;  // as given; sent per api_token.h, never logged
};

// What one bounded wait for a state ended with.
enum class WaitResult {
  kReached,   // 200: the machine is in the state
  kTimedOut,  // 408: not yet, ask again
  kGone,      // 404: the machine no longer exists (auto_destroy, NOTES.md §4)
};

class MachinesApi {
 public:
  explicit MachinesApi(ApiSettings settings, s3::RetryPolicy retry = {});

  const std::string& app() const { return settings_.app; }

  // Polled while a wait() runs (it may block for 60 s): when it returns
  // true the wait ends early and throws RuntimeError.
  void set_cancel_check(std::function<bool()> cancelled) { cancelled_ = std::move(cancelled); }

  // POST /v1/apps/{app}/machines → Machine. When a retried create finds its
  // name taken (the first attempt did succeed but its answer was lost), the
  // machine of that name is returned instead of a duplicate being made.
  nlohmann::json create_machine(const nlohmann::json& request);
  // POST /v1/apps/{app}/machines/{id} → Machine.
  nlohmann::json update_machine(const std::string& id, const nlohmann::json& request);
  // GET /v1/apps/{app}/machines/{id}; nullopt when it is gone (404).
  std::optional<nlohmann::json> get_machine(const std::string& id);
  // GET /v1/apps/{app}/machines[?include_deleted=true] → Machine[].
  nlohmann::json list_machines(bool include_deleted);
  // GET /v1/apps/{app}/machines/{id}/events?limit=50 (the maximum), newest
  // first; nullopt when the machine is gone.
  std::optional<nlohmann::json> list_events(const std::string& id);
  // GET .../wait?state=S&timeout=T[&version=V]. The API blocks for at most
  // 60 s (NOTES.md §4), so timeout_s is clamped to [1, 60]; 408 means "not
  // yet". `version` (the create answer's) is what a wait for `stopped` needs.
  WaitResult wait(const std::string& id, std::string_view state, std::string_view version,
                  int timeout_s);
  // POST .../stop with {signal, timeout}; false when the machine is gone.
  bool stop_machine(const std::string& id, std::string_view signal, std::string_view timeout);
  // DELETE .../machines/{id}?force=true (kills it if it runs); false when it
  // was already gone.
  bool destroy_machine(const std::string& id);

  // POST /v1/apps/{app}/volumes → Volume.
  nlohmann::json create_volume(const nlohmann::json& request);
  // GET /v1/apps/{app}/volumes → Volume[].
  nlohmann::json list_volumes();
  // DELETE /v1/apps/{app}/volumes/{id}; false when it was already gone.
  bool destroy_volume(const std::string& id);

 private:
  // One API call with retries; returns the final answer whatever its status
  // (callers decide what a 404 means) and throws only when no answer came.
  // Only waits are `cancellable`: the calls that clean up after a signal
  // must run to their end.
  http::Response send(std::string_view method, const std::string& path, const std::string& body,
                      std::string_view what, bool cancellable = false);
  // Throws the one-line error for a final non-success answer.
  [[noreturn]] void fail(const http::Response& response, std::string_view what) const;
  nlohmann::json parse(const http::Response& response, std::string_view what) const;
  std::string app_path() const;
  std::string machine_path(const std::string& id) const;

  ApiSettings settings_;
  std::string authorization_;
  s3::RetryPolicy retry_;
  std::function<bool()> cancelled_;
  http::Client client_;
  std::mt19937_64 random_;
};

}  // namespace pgdump2s3::fly
