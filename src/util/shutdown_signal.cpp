#include "util/shutdown_signal.h"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "util/log.h"

namespace pgdump2s3 {
namespace {

struct Watcher {
  std::mutex mutex;
  std::map<int, std::function<void()>> listeners;  // guarded by mutex
  int next_id = 1;                                 // guarded by mutex
  std::atomic<int> received{0};
  int signal_fd = -1;
  int stop_fd = -1;
  std::thread thread;
};

Watcher& watcher() {
  static Watcher w;
  return w;
}

void watch() {
  Watcher& w = watcher();
  pollfd fds[2] = {{w.signal_fd, POLLIN, 0}, {w.stop_fd, POLLIN, 0}};
  for (;;) {
    if (poll(fds, 2, -1) < 0) continue;
    if (fds[1].revents != 0) return;
    signalfd_siginfo info{};
    if (read(w.signal_fd, &info, sizeof info) != sizeof info) continue;
    int sig = static_cast<int>(info.ssi_signo);
    int expected = 0;
    if (!w.received.compare_exchange_strong(expected, sig)) {
      log::warn(std::string("received ") + strsignal(sig) + " again: already stopping");
      continue;
    }
    log::warn(std::string("received ") + strsignal(sig) +
              ": stopping cleanly (an unfinished upload is aborted, a created database dropped)");
    std::lock_guard lock(w.mutex);
    for (auto& [id, fn] : w.listeners) fn();
  }
}

}  // namespace

void ShutdownSignal::install() {
  Watcher& w = watcher();
  if (w.thread.joinable()) return;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  // A closed pipe (pg_restore exiting early) must be an EPIPE error, not death.
  signal(SIGPIPE, SIG_IGN);
  w.signal_fd = signalfd(-1, &set, SFD_CLOEXEC);
  w.stop_fd = eventfd(0, EFD_CLOEXEC);
  w.thread = std::thread(watch);
}

void ShutdownSignal::uninstall() {
  Watcher& w = watcher();
  if (!w.thread.joinable()) return;
  std::uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(w.stop_fd, &one, sizeof one);
  w.thread.join();
  close(w.signal_fd);
  close(w.stop_fd);
}

bool ShutdownSignal::requested() { return watcher().received.load() != 0; }
int ShutdownSignal::received() { return watcher().received.load(); }

ShutdownSignal::Listener::Listener(std::function<void()> on_signal) {
  Watcher& w = watcher();
  bool already = false;
  {
    std::lock_guard lock(w.mutex);
    id_ = w.next_id++;
    w.listeners.emplace(id_, on_signal);
    already = w.received.load() != 0;
  }
  // A signal that came before this listener still counts.
  if (already) on_signal();
}

ShutdownSignal::Listener::~Listener() {
  Watcher& w = watcher();
  std::lock_guard lock(w.mutex);
  w.listeners.erase(id_);
}

}  // namespace pgdump2s3
