// Progress of long work (a backup, a restore): on a terminal a live line
// redrawn twice a second; in a log (no TTY) a line every 10 s; nothing with
// --quiet. The work updates atomic byte counters; a reporter thread reads
// them, so the hot path pays one relaxed atomic add per buffer.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace pgdump2s3 {

struct ProgressCounter {
  std::string label;                       // "dumped", "compressed", "uploaded"
  const std::atomic<std::uint64_t>* bytes;  // owned by the work, outlives the reporter
};

class ProgressReporter {
 public:
  enum class Mode { kQuiet, kTerminal, kLog };
  // kQuiet when asked, kTerminal when stderr is a TTY, else kLog.
  static Mode mode_for(bool quiet);

  // counters[0] drives the rate (MiB/s); when there are at least two, the
  // ratio counters[0]/counters[1] is shown (the compression ratio).
  ProgressReporter(std::string title, std::vector<ProgressCounter> counters, Mode mode);
  ~ProgressReporter();  // stops the thread and clears the live line
  ProgressReporter(const ProgressReporter&) = delete;
  ProgressReporter& operator=(const ProgressReporter&) = delete;

  // One line describing the counters now (also used for the final summary).
  std::string line() const;

 private:
  void run();

  const std::string title_;
  const std::vector<ProgressCounter> counters_;
  const Mode mode_;
  const std::chrono::steady_clock::time_point start_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;  // guarded by mutex_
  std::thread thread_;  // touches only stderr and the atomics
};

// "00:12", "1:02:03".
std::string human_duration(std::chrono::steady_clock::duration d);

}  // namespace pgdump2s3
