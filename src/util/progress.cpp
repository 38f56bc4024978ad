#include "util/progress.h"

#include <unistd.h>

#include <cstdio>

#include "util/byte_size.h"
#include "util/log.h"

namespace pgdump2s3 {

std::string human_duration(std::chrono::steady_clock::duration d) {
  long s = static_cast<long>(std::chrono::duration_cast<std::chrono::seconds>(d).count());
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%02ld:%02ld", s / 60, s % 60);
  }
  return buf;
}

ProgressReporter::Mode ProgressReporter::mode_for(bool quiet) {
  if (quiet) return Mode::kQuiet;
  return isatty(STDERR_FILENO) ? Mode::kTerminal : Mode::kLog;
}

ProgressReporter::ProgressReporter(std::string title, std::vector<ProgressCounter> counters, Mode mode)
    : title_(std::move(title)),
      counters_(std::move(counters)),
      mode_(mode),
      start_(std::chrono::steady_clock::now()) {
  if (mode_ != Mode::kQuiet) thread_ = std::thread([this] { run(); });
}

ProgressReporter::~ProgressReporter() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (mode_ == Mode::kTerminal) std::fputs("\r\033[K", stderr);
}

std::string ProgressReporter::line() const {
  auto elapsed = std::chrono::steady_clock::now() - start_;
  double secs = std::chrono::duration<double>(elapsed).count();
  std::string out = title_ + ":";
  for (const ProgressCounter& c : counters_) {
    out += " " + c.label + " " + human_bytes(c.bytes->load(std::memory_order_relaxed));
  }
  if (counters_.size() >= 2) {
    std::uint64_t a = counters_[0].bytes->load(std::memory_order_relaxed);
    std::uint64_t b = counters_[1].bytes->load(std::memory_order_relaxed);
    if (a > 0 && b > 0) {
      char ratio[32];
      std::snprintf(ratio, sizeof ratio, ", ratio %.2f:1", static_cast<double>(a) / static_cast<double>(b));
      out += ratio;
    }
  }
  if (!counters_.empty() && secs > 0) {
    char rate[48];
    std::snprintf(rate, sizeof rate, ", %.1f MiB/s",
                  static_cast<double>(counters_[0].bytes->load(std::memory_order_relaxed)) / secs / 1048576.0);
    out += rate;
  }
  out += ", " + human_duration(elapsed);
  return out;
}

void ProgressReporter::run() {
  const auto period = mode_ == Mode::kTerminal ? std::chrono::milliseconds(500) : std::chrono::milliseconds(10'000);
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, period, [this] { return stop_; })) {
    if (mode_ == Mode::kTerminal) {
      std::string text = "\r\033[K" + log::redact(line());
      std::fputs(text.c_str(), stderr);
      std::fflush(stderr);
    } else {
      log::info(line());
    }
  }
}

}  // namespace pgdump2s3
