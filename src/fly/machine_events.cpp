#include "fly/machine_events.h"

namespace pgdump2s3::fly {
namespace {

long long timestamp_of(const nlohmann::json& event) {
  auto it = event.find("timestamp");
  return it != event.end() && it->is_number_integer() ? it->get<long long>() : 0;
}

std::string type_of(const nlohmann::json& event) {
  auto it = event.find("type");
  return it != event.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// request.MonitorEvent.exit_event, else request.exit_event.
const nlohmann::json* exit_event_of(const nlohmann::json& event) {
  auto request = event.find("request");
  if (request == event.end() || !request->is_object()) return nullptr;
  auto monitor = request->find("MonitorEvent");
  if (monitor != request->end() && monitor->is_object()) {
    auto inner = monitor->find("exit_event");
    if (inner != monitor->end() && inner->is_object()) return &*inner;
  }
  auto direct = request->find("exit_event");
  if (direct != request->end() && direct->is_object()) return &*direct;
  return nullptr;
}

}  // namespace

int WorkerExit::process_exit_code() const {
  if (exit_code == 0 && signal <= 0) return 0;
  if (exit_code > 0) return exit_code;
  return 128 + (signal > 0 ? signal : 0);
}

std::string WorkerExit::describe() const {
  std::string text;
  if (oom_killed) {
    text = "was killed by the OOM killer";
  } else if (exit_code < 0 || (exit_code == 0 && signal > 0)) {
    text = "was killed by signal " + std::to_string(signal);
  } else {
    text = "exited with code " + std::to_string(exit_code);
  }
  if (oom_killed && signal > 0) text += " (signal " + std::to_string(signal) + ")";
  return text;
}

std::optional<WorkerExit> find_worker_exit(const nlohmann::json& events) {
  if (!events.is_array()) return std::nullopt;
  long long latest_start = -1;
  for (const nlohmann::json& e : events) {
    if (type_of(e) == "start") latest_start = std::max(latest_start, timestamp_of(e));
  }
  const nlohmann::json* newest = nullptr;
  for (const nlohmann::json& e : events) {
    if (type_of(e) != "exit" || timestamp_of(e) < latest_start || exit_event_of(e) == nullptr) continue;
    if (newest == nullptr || timestamp_of(e) > timestamp_of(*newest)) newest = &e;
  }
  if (newest == nullptr) return std::nullopt;
  const nlohmann::json& x = *exit_event_of(*newest);
  WorkerExit exit;
  exit.exit_code = x.value("exit_code", 0);
  exit.signal = x.value("signal", -1);
  exit.oom_killed = x.value("oom_killed", false);
  exit.requested_stop = x.value("requested_stop", false);
  return exit;
}

}  // namespace pgdump2s3::fly
