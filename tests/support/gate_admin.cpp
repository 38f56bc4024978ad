#include "support/gate_admin.h"

#include <chrono>
#include <stdexcept>
#include <thread>

#include "http/client.h"

namespace pgdump2s3::testing {

std::string GateAdmin::call(const std::string& method, const std::string& path,
                            const std::string& body) {
  http::Client client;
  http::Request req;
  req.method = method;
  req.url = gate_.endpoint + "/__s3gate/" + path;
  if (!body.empty()) req.body = {body};
  http::Response res = client.perform(req);
  if (res.status / 100 != 2) {
    throw std::runtime_error("s3gate admin " + method + " " + path + " answered " +
                             std::to_string(res.status) + ": " + res.body);
  }
  return res.body;
}

void GateAdmin::set_faults(const nlohmann::json& rules) { call("PUT", "faults", rules.dump()); }
void GateAdmin::clear_faults() { call("DELETE", "faults"); }
nlohmann::json GateAdmin::faults() { return nlohmann::json::parse(call("GET", "faults")); }
nlohmann::json GateAdmin::log() {
  // Entries are added just after each response: give the last one a moment.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  return nlohmann::json::parse(call("GET", "log"));
}
void GateAdmin::clear_log() { call("DELETE", "log"); }
nlohmann::json GateAdmin::open_uploads() { return nlohmann::json::parse(call("GET", "uploads")); }
void GateAdmin::set_policy(const std::string& access_key, const nlohmann::json& policy) {
  call("PUT", "policy/" + access_key, policy.dump());
}
void GateAdmin::clear_policy(const std::string& access_key) {
  try {
    call("DELETE", "policy/" + access_key);
  } catch (const std::runtime_error&) {
    // No policy was set for that key: nothing to clear.
  }
}

void GateAdmin::reset() {
  clear_faults();
  clear_log();
}

}  // namespace pgdump2s3::testing
