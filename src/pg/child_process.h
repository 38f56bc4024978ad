// A child process (pg_dump, pg_restore, psql) started without a shell.
//
// - argv is a vector: nothing is ever parsed by a shell. Secrets go in `env`
//   (PGPASSWORD), never in argv, which every user can read with `ps`.
// - The child runs in its own process group, so that terminate() also stops
//   what it started (pg_dump --jobs workers), and a Ctrl-C on the terminal
//   reaches only this process, which decides what to stop.
// - Its signal mask and dispositions are reset to the defaults (this process
//   may block or ignore SIGINT, SIGTERM and SIGPIPE for its own reasons).
// - It inherits no descriptor but its standard streams: every other fd is
//   closed in the child (posix_spawn_file_actions_addclosefrom_np), and the
//   pipes here are O_CLOEXEC so that no other child inherits them.
// - stderr is always read by a relay thread, line by line: each line goes
//   through log::redact, then to the log (unless quiet) and to on_stderr_line.
//
// Thread safety: pid(), send_signal(), terminate() and wait() may be called
// from any thread, also at the same time (a signal handler thread may
// terminate the child while the reader thread waits for it). The stdin and
// stdout descriptors belong to the caller: one thread each. on_stderr_line
// runs on the relay thread. Construction and destruction: one thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace pgdump2s3::pg {

// How a child ended.
struct ExitStatus {
  int exit_code = -1;  // 0..255 when it exited; -1 when a signal killed it
  int signal = 0;      // the signal that killed it; 0 when it exited
  bool success() const { return exit_code == 0; }
  // "exited with status 1", "killed by signal 15 (Terminated)".
  std::string describe() const;
};

// Where one of the child's standard streams is connected.
struct Redirect {
  enum class Kind { kInherit, kNull, kPipe, kFd };
  Kind kind = Kind::kNull;
  int fd = -1;  // kFd: a descriptor the caller keeps owning (the child gets a copy)

  static Redirect inherit() { return {Kind::kInherit, -1}; }
  static Redirect null() { return {Kind::kNull, -1}; }  // /dev/null
  static Redirect pipe() { return {Kind::kPipe, -1}; }  // read/write through stdin_fd()/stdout_fd()
  static Redirect to_fd(int fd) { return {Kind::kFd, fd}; }
};

struct ChildOptions {
  // argv[0] is a path, or a name looked up in this process's PATH.
  std::vector<std::string> argv;
  // Set on top of this process's environment (PGPASSWORD...), then unset_env removed.
  std::map<std::string, std::string> env;
  std::vector<std::string> unset_env;
  Redirect stdin_from = Redirect::null();
  Redirect stdout_to = Redirect::pipe();
  // Pipe capacity asked for with F_SETPIPE_SZ (best effort; Linux caps it at
  // /proc/sys/fs/pipe-max-size, 1 MiB by default). A larger pipe means fewer
  // wake-ups per byte between pg_dump and the reader. 0: the system default (64 KiB).
  std::size_t pipe_bytes = 1 << 20;
  // Names the child in relayed log lines; defaults to argv[0]'s file name.
  std::string log_name;
  // Called with each stderr line (redacted, without the newline), on the
  // relay thread; must not throw.
  std::function<void(const std::string& line)> on_stderr_line;
  // When true, stderr lines go only to on_stderr_line, not to the log.
  bool quiet = false;
};

class ChildProcess {
 public:
  // Starts the child. Throws RuntimeError when it cannot be started (no such
  // program, not executable, out of resources).
  explicit ChildProcess(ChildOptions options);
  // A child still running is killed (SIGKILL to its group) and reaped.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // The parent's end of the stdin / stdout pipe; -1 when not a pipe or closed.
  int stdin_fd() const { return stdin_fd_; }
  int stdout_fd() const { return stdout_fd_; }
  // Closes the parent's end: the child reads end-of-file on stdin / gets
  // EPIPE (SIGPIPE) writing to stdout.
  void close_stdin();
  void close_stdout();

  // Sends `signal` to the child's process group, unless it has been reaped.
  void send_signal(int signal);
  // SIGTERM to the group; after `grace`, SIGKILL to the group (also to
  // members left behind by a leader that did exit); then waits.
  ExitStatus terminate(std::chrono::milliseconds grace = std::chrono::seconds(10));
  // Waits for the child to exit, reaps it and finishes relaying its stderr
  // (which also waits for any member of its group still holding stderr).
  // The caller must keep reading stdout meanwhile or the child may block on
  // a full pipe. Returns the same status on every call.
  ExitStatus wait();

 private:
  void relay_stderr(int fd, std::string name, std::function<void(const std::string&)> on_line, bool quiet);
  // Reaps the child if it has exited (it must have); caller holds mutex_.
  void reap_locked();
  void join_relay();

  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;

  std::mutex mutex_;  // guards reaped_ and status_; signals are sent under it
  bool reaped_ = false;
  ExitStatus status_;

  std::mutex relay_mutex_;  // serialises joining relay_
  std::thread relay_;
};

// What a command printed, for short commands such as `pg_dump --version`.
struct CapturedOutput {
  ExitStatus status;
  bool timed_out = false;  // killed after `timeout`
  std::string out;
  std::string err;  // redacted, one line per stderr line
};

// Runs `argv` to completion with stdin from /dev/null, collecting stdout and
// stderr (stderr is not logged). Kills it (its group) after `timeout`.
CapturedOutput run_and_capture(std::vector<std::string> argv, std::chrono::milliseconds timeout,
                               const std::map<std::string, std::string>& env = {});

}  // namespace pgdump2s3::pg
