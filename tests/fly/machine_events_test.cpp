// Reading the worker's exit from a machine's events (NOTES.md §5).
#include <gtest/gtest.h>

#include "fly/machine_events.h"

namespace pgdump2s3::fly {
namespace {

using nlohmann::json;

json exit_event(long long timestamp, int code, bool monitor = false, int signal = -1, bool oom = false) {
  json x = {{"exit_code", code}, {"guest_exit_code", 0}, {"guest_signal", -1}, {"oom_killed", oom},
            {"requested_stop", false}, {"restarting", false}, {"signal", signal}};
  json request = monitor ? json{{"MonitorEvent", {{"exit_event", x}}}} : json{{"exit_event", x}};
  request["restart_count"] = 0;
  return {{"type", "exit"}, {"status", "stopped"}, {"source", "flyd"}, {"timestamp", timestamp}, {"request", request}};
}

json start_event(long long timestamp) {
  return {{"type", "start"}, {"status", "started"}, {"source", "flyd"}, {"timestamp", timestamp}};
}

TEST(MachineEvents, ReadsTheDocumentedExitEvent) {
  // DOCS reference/machines/_get.erb, verbatim shape.
  json events = json::parse(R"([{"type": "exit", "status": "stopped", "source": "flyd",
      "timestamp": 1653047898717,
      "request": {"exit_event": {"exit_code": 127, "exited_at": 1653047897299, "guest_exit_code": 0,
                  "guest_signal": -1, "oom_killed": false, "requested_stop": false,
                  "restarting": false, "signal": -1}, "restart_count": 0}}])");
  std::optional<WorkerExit> exit = find_worker_exit(events);
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->exit_code, 127);
  EXPECT_EQ(exit->process_exit_code(), 127);
  EXPECT_EQ(exit->describe(), "exited with code 127");
}

TEST(MachineEvents, ReadsTheMonitorEventVariant) {
  std::optional<WorkerExit> exit = find_worker_exit(json::array({exit_event(10, 3, true)}));
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->exit_code, 3);
}

TEST(MachineEvents, TakesTheExitOfTheLatestRun) {
  // Newest first, as the API lists them: the second run exited 0.
  json events = json::array({exit_event(400, 0), start_event(300), exit_event(200, 1), start_event(100)});
  EXPECT_EQ(find_worker_exit(events)->exit_code, 0);
  // A run that started again and has not exited yet has no result.
  json running = json::array({start_event(500), exit_event(400, 0), start_event(300)});
  EXPECT_FALSE(find_worker_exit(running));
}

TEST(MachineEvents, NoExitEventMeansNoResult) {
  EXPECT_FALSE(find_worker_exit(json::array({start_event(1)})));
  EXPECT_FALSE(find_worker_exit(json::array()));
  EXPECT_FALSE(find_worker_exit(json::object()));
  json without_request = {{"type", "exit"}, {"status", "stopped"}, {"timestamp", 5}};
  EXPECT_FALSE(find_worker_exit(json::array({without_request})));
}

TEST(MachineEvents, ASignalWithoutExitCodeIsReportedTheShellsWay) {
  std::optional<WorkerExit> killed = find_worker_exit(json::array({exit_event(1, -1, false, 9, true)}));
  ASSERT_TRUE(killed);
  EXPECT_TRUE(killed->oom_killed);
  EXPECT_EQ(killed->process_exit_code(), 128 + 9);
  EXPECT_EQ(killed->describe(), "was killed by the OOM killer (signal 9)");
  std::optional<WorkerExit> terminated = find_worker_exit(json::array({exit_event(1, 0, false, 15)}));
  EXPECT_EQ(terminated->process_exit_code(), 128 + 15);
  EXPECT_EQ(terminated->describe(), "was killed by signal 15");
}

}  // namespace
}  // namespace pgdump2s3::fly
