#include "fly/trigger.h"

#include <exception>
#include <random>
#include <string>
#include <vector>

#include "fly/machine_events.h"
#include "fly/worker_machine.h"
#include "util/error.h"
#include "util/log.h"
#include "util/shutdown_signal.h"

namespace pgdump2s3::fly {
namespace {

using Clock = std::chrono::steady_clock;

// Thrown between steps once SIGINT/SIGTERM came; cleanup follows.
struct Interrupted {};

// Volume states that are already on their way out (fly-go GetVolumes skips
// them; NOTES.md §7), plus the final one.
bool is_going_away(const std::string& state) {
  return state == "scheduling_destroy" || state == "fork_cleanup" || state == "waiting_for_detach" ||
         state == "pending_destroy" || state == "destroying" || state == "destroyed";
}

// Machine states after the worker's process has ended (DOCS machine-states).
bool is_finished(const std::string& state) {
  return state == "stopping" || state == "stopped" || state == "destroying" || state == "destroyed";
}

bool is_failed_launch(const std::string& state) { return state == "failed" || state == "launch_failed"; }

class TriggerRun {
 public:
  TriggerRun(const FlySettings& settings, MachinesApi& api, const TriggerTiming& timing)
      : s_(settings), api_(api), timing_(timing) {}

  int run() {
    api_.set_cancel_check([] { return ShutdownSignal::requested(); });
    int code = kExitBackupFailed;
    bool finished = false;  // the worker ran to its end and its result is known
    std::exception_ptr failure;
    try {
      if (s_.needs_volume) create_volume();
      create_machine();
      wait_until_started();
      wait_until_stopped();
      code = report(read_exit());
      finished = true;
    } catch (const Interrupted&) {
    } catch (...) {
      // A wait cut short by the signal surfaces as an error: it is the signal.
      if (!ShutdownSignal::requested()) failure = std::current_exception();
    }
    // A signal after the worker's end changes nothing but the cleanup's hurry.
    const int signal = finished ? 0 : ShutdownSignal::received();
    clean_up(signal != 0);
    // Only a run that got as far as making something can have left volumes
    // behind; a refused token or an unknown app gets its one error line.
    const bool volumes_left = (!machine_id_.empty() || !volume_id_.empty()) && check_volumes_left();
    if (failure) std::rethrow_exception(failure);
    if (signal != 0) {
      log::error("interrupted before the backup finished: the worker was stopped (an unfinished upload is aborted, not committed)");
      return 128 + signal;
    }
    if (code == kExitOk && (cleanup_failed_ || volumes_left)) code = kExitBackupFailed;
    return code;
  }

 private:
  std::string logs_hint() const {
    return "`fly logs --app " + s_.api.app + " --instance " + machine_id_ + " --no-tail`";
  }

  void check_interrupted() const {
    if (ShutdownSignal::requested()) throw Interrupted{};
  }

  void create_volume() {
    log::info("creating a " + std::to_string(s_.volume_size_gb) + " GB volume in " + s_.region +
              " for the directory-format dump (PG_DUMP_ARGS), mounted at " + s_.temp_dir);
    nlohmann::json volume = api_.create_volume(worker_volume_request(s_));
    volume_id_ = volume.value("id", "");
    if (volume_id_.empty()) throw RuntimeError("Fly API created a volume but returned no id");
    check_interrupted();
  }

  void create_machine() {
    std::random_device random;
    const std::string name = worker_machine_name(std::chrono::system_clock::now(), random());
    log::info("creating the worker machine in app " + s_.api.app + " (region " + s_.region + ", " +
              std::string(s_.guest.name) + ", image " + s_.image + ")");
    nlohmann::json machine = api_.create_machine(worker_machine_request(s_, name, volume_id_));
    machine_id_ = machine.value("id", "");
    if (machine_id_.empty()) throw RuntimeError("Fly API created a machine but returned no id");
    // The wait for `stopped` needs the version (formerly instance_id).
    version_ = machine.value("version", machine.value("instance_id", ""));
    // The Machines API has no log endpoint: Fly's log stream is read by
    // flyctl through Fly's GraphQL/NATS services, not this API.
    log::info("machine " + machine_id_ + " created; the Machines API serves no logs, follow the worker with "
              "`fly logs --app " + s_.api.app + " --instance " + machine_id_ + "`");
    check_interrupted();
  }

  void wait_until_started() {
    const auto deadline = Clock::now() + timing_.start_limit;
    for (;;) {
      check_interrupted();
      WaitResult r = api_.wait(machine_id_, "started", "", timing_.wait_slice_s);
      if (r == WaitResult::kReached) {
        log::info("machine " + machine_id_ + " started; waiting for the backup to finish");
        return;
      }
      if (r == WaitResult::kGone) {
        // auto_destroy: a worker that ends quickly takes its machine with it
        // before a wait sees it running (flyctl treats this 404 the same).
        log::info("machine " + machine_id_ + " ran, exited and was destroyed before it was seen running");
        machine_gone_ = true;
        return;
      }
      // A wait for `started` cannot see a run that has already ended.
      std::string state = current_state();
      if (machine_gone_ || is_finished(state)) return;
      if (is_failed_launch(state)) {
        throw RuntimeError("machine " + machine_id_ + " failed to launch (state " + state +
                           "): check DOCKER_IMAGE=" + s_.image + " and see " + logs_hint());
      }
      if (Clock::now() >= deadline) {
        throw RuntimeError("machine " + machine_id_ + " did not start within " +
                           std::to_string(timing_.start_limit.count() / 60) + " minutes (state " + state +
                           "): check DOCKER_IMAGE=" + s_.image + " and see " + logs_hint());
      }
    }
  }

  void wait_until_stopped() {
    const auto started = Clock::now();
    auto next_note = started + timing_.progress_every;
    while (!machine_gone_) {
      check_interrupted();
      WaitResult r = api_.wait(machine_id_, "stopped", version_, timing_.wait_slice_s);
      if (r == WaitResult::kReached) return;
      if (r == WaitResult::kGone) {
        machine_gone_ = true;
        return;
      }
      std::string state = current_state();
      if (machine_gone_ || is_finished(state) || is_failed_launch(state)) return;
      if (Clock::now() >= next_note) {
        auto minutes = std::chrono::duration_cast<std::chrono::minutes>(Clock::now() - started).count();
        log::info("backup still running on machine " + machine_id_ + " (" + std::to_string(minutes) + " min)");
        next_note += timing_.progress_every;
      }
    }
  }

  // The machine's state now; sets machine_gone_ when it no longer exists.
  std::string current_state() {
    std::optional<nlohmann::json> machine = api_.get_machine(machine_id_);
    if (!machine) {
      machine_gone_ = true;
      return "destroyed";
    }
    return machine->value("state", "");
  }

  std::optional<WorkerExit> read_exit() {
    std::optional<nlohmann::json> events = api_.list_events(machine_id_);
    if (!events) {
      // Destroyed by auto_destroy: List Machines with include_deleted may
      // still hold it with its events (OpenAPI "List Machines").
      for (const nlohmann::json& m : api_.list_machines(true)) {
        if (m.value("id", "") == machine_id_ && m.contains("events")) events = m["events"];
      }
    }
    return events ? find_worker_exit(*events) : std::nullopt;
  }

  int report(const std::optional<WorkerExit>& exit) {
    if (!exit) {
      log::error("no exit event of machine " + machine_id_ + " could be read (a machine destroyed by "
                 "auto_destroy may take its events with it): the backup counts as failed; see " + logs_hint());
      return kExitBackupFailed;
    }
    const int code = exit->process_exit_code();
    if (code == kExitOk) {
      log::info("the backup worker on machine " + machine_id_ + " exited with code 0: backup done");
      return code;
    }
    std::string hint = exit->oom_killed ? "; it ran out of memory: pick a bigger FLY_MACHINE_SIZE than " +
                                              std::string(s_.guest.name)
                                        : "";
    log::error("the backup worker on machine " + machine_id_ + " " + exit->describe() + ": the backup failed" +
               hint + "; see " + logs_hint());
    return code;
  }

  // Never throws: every failure is logged with the command that finishes
  // the job by hand, and makes the run fail.
  void clean_up(bool interrupted) {
    // The signal that ended the run must not cut the cleanup's own waits.
    api_.set_cancel_check(nullptr);
    if (!machine_id_.empty() && !machine_gone_) {
      try {
        if (interrupted) stop_gracefully();
        if (api_.destroy_machine(machine_id_)) {
          log::info("machine " + machine_id_ + " destroyed");
        } else {
          log::info("machine " + machine_id_ + " was already destroyed (auto_destroy)");
        }
      } catch (const std::exception& e) {
        cleanup_failed_ = true;
        log::error(std::string(e.what()) + "; destroy it by hand: `fly machine destroy --force " + machine_id_ +
                   " --app " + s_.api.app + "`");
      }
    }
    if (!volume_id_.empty()) {
      try {
        wait_until_destroyed();
        api_.destroy_volume(volume_id_);
        log::info("volume " + volume_id_ + " destroyed");
      } catch (const std::exception& e) {
        cleanup_failed_ = true;
        log::error(std::string(e.what()) + "; delete it by hand: `fly volumes destroy " + volume_id_ + " --app " +
                   s_.api.app + "`");
      }
    }
  }

  // SIGTERM first so that the worker aborts its multipart upload (DESIGN.md
  // "Commit or nothing"), then at most stop_grace_s for it to stop.
  void stop_gracefully() {
    log::info("stopping machine " + machine_id_ + " (SIGTERM) so that the worker aborts its upload");
    if (!api_.stop_machine(machine_id_, "SIGTERM", "30s")) return;
    api_.wait(machine_id_, "stopped", version_, timing_.stop_grace_s);
  }

  // A volume can only be deleted once no machine holds it.
  void wait_until_destroyed() {
    if (machine_id_.empty()) return;
    const auto deadline = Clock::now() + timing_.detach_limit;
    while (Clock::now() < deadline) {
      if (api_.wait(machine_id_, "destroyed", "", timing_.wait_slice_s) != WaitResult::kTimedOut) return;
    }
  }

  // The old trigger's ENSURE_NO_VOLUMES_LEFT: volumes the app still holds
  // (ours or older ones) are billed. Returns true when that fails the run.
  bool check_volumes_left() {
    std::vector<std::string> left;
    try {
      for (const nlohmann::json& v : api_.list_volumes()) {
        std::string state = v.value("state", "");
        if (is_going_away(state)) continue;
        left.push_back(v.value("id", "?") + " (" + v.value("name", "") + ", " + state + ")");
      }
    } catch (const std::exception& e) {
      if (s_.ensure_no_volumes_left) {
        log::error(std::string("ENSURE_NO_VOLUMES_LEFT: ") + e.what());
        return true;
      }
      log::warn(std::string("could not check for leftover volumes: ") + e.what());
      return false;
    }
    if (left.empty()) return false;
    std::string list;
    for (const std::string& v : left) list += (list.empty() ? "" : ", ") + v;
    std::string message = std::to_string(left.size()) + " volume(s) left in app " + s_.api.app + ", still billed: " +
                          list + "; delete with `fly volumes destroy ID --app " + s_.api.app + "`";
    if (s_.ensure_no_volumes_left) {
      log::error("ENSURE_NO_VOLUMES_LEFT=true and " + message);
      return true;
    }
    log::warn(message);
    return false;
  }

  const FlySettings& s_;
  MachinesApi& api_;
  const TriggerTiming timing_;
  std::string volume_id_;
  std::string machine_id_;
  std::string version_;
  bool machine_gone_ = false;
  bool cleanup_failed_ = false;
};

}  // namespace

int run_trigger(const FlySettings& settings, MachinesApi& api, const TriggerTiming& timing) {
  return TriggerRun(settings, api, timing).run();
}

}  // namespace pgdump2s3::fly
