// SIGINT and SIGTERM as a request to stop cleanly: abort the upload, stop
// the child, exit non-zero (STYLE.md habit 5: always finish what you start).
//
// install() must run in main() before any thread starts: it blocks both
// signals so that every later thread inherits the mask, and one watcher
// thread receives them through a signalfd. On the first signal the watcher
// sets requested() and runs the listeners, on its own thread; listeners must
// only wake things up (cancel a pool, kill a child), never block long.
#pragma once

#include <functional>

namespace pgdump2s3 {

class ShutdownSignal {
 public:
  // Starts the watcher (idempotent). Call from main() before any thread.
  static void install();
  // Stops and joins the watcher (at the end of main()).
  static void uninstall();
  static bool requested();
  // The signal number received, 0 if none.
  static int received();

  // A listener registered for the lifetime of this object. When the signal
  // came before (or while) it registers, it runs at once: listeners must be
  // idempotent, as they may run twice.
  class Listener {
   public:
    explicit Listener(std::function<void()> on_signal);
    ~Listener();
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;

   private:
    int id_;
  };
};

}  // namespace pgdump2s3
