#include "pg/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

#include "util/env.h"
#include "util/error.h"
#include "util/log.h"

namespace pgdump2s3::pg {
namespace {

// A stderr line longer than this is relayed in pieces, so that a child
// printing without newlines cannot grow memory without bound.
constexpr std::size_t kMaxLineBytes = 16 * 1024;

void close_fd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

struct Pipe {
  int read = -1;
  int write = -1;
  Pipe() = default;
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  ~Pipe() {
    close_fd(read);
    close_fd(write);
  }
  void open(const std::string& program) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
      throw RuntimeError("cannot start " + program + ": pipe: " + strerrordesc_np(errno));
    }
    read = fds[0];
    write = fds[1];
  }
};

// The child's environment: ours, plus `set`, minus `unset`, as NAME=value strings.
std::vector<std::string> child_environment(const std::map<std::string, std::string>& set,
                                           const std::vector<std::string>& unset) {
  std::map<std::string, std::string, std::less<>> vars = Environment::from_process().all();
  for (const auto& [k, v] : set) vars[k] = v;
  for (const auto& k : unset) vars.erase(k);
  std::vector<std::string> entries;
  entries.reserve(vars.size());
  for (const auto& [k, v] : vars) entries.push_back(k + "=" + v);
  return entries;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Connects child descriptor `target` (0 or 1) as `redirect` says.
void add_redirect(posix_spawn_file_actions_t* actions, const Redirect& redirect, int target, int pipe_end) {
  switch (redirect.kind) {
    case Redirect::Kind::kInherit: break;
    case Redirect::Kind::kNull:
      posix_spawn_file_actions_addopen(actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0);
      break;
    case Redirect::Kind::kPipe: posix_spawn_file_actions_adddup2(actions, pipe_end, target); break;
    case Redirect::Kind::kFd: posix_spawn_file_actions_adddup2(actions, redirect.fd, target); break;
  }
}

}  // namespace

std::string ExitStatus::describe() const {
  if (signal != 0) {
    const char* abbrev = sigabbrev_np(signal);
    return "killed by signal " + std::to_string(signal) + (abbrev ? std::string(" (SIG") + abbrev + ")" : "");
  }
  if (exit_code < 0) return "ended with an unknown status";
  return "exited with status " + std::to_string(exit_code);
}

ChildProcess::ChildProcess(ChildOptions options) {
  if (options.argv.empty()) throw RuntimeError("cannot start a child process: no program given");
  const std::string& program = options.argv[0];
  std::string name =
      options.log_name.empty() ? std::filesystem::path(program).filename().string() : options.log_name;

  Pipe in, out, err;
  if (options.stdin_from.kind == Redirect::Kind::kPipe) in.open(program);
  if (options.stdout_to.kind == Redirect::Kind::kPipe) out.open(program);
  err.open(program);
  if (options.pipe_bytes > 0) {
    // Best effort: a smaller pipe only costs speed.
    if (in.write >= 0) fcntl(in.write, F_SETPIPE_SZ, static_cast<int>(options.pipe_bytes));
    if (out.read >= 0) fcntl(out.read, F_SETPIPE_SZ, static_cast<int>(options.pipe_bytes));
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  add_redirect(&actions, options.stdin_from, 0, in.read);
  add_redirect(&actions, options.stdout_to, 1, out.write);
  posix_spawn_file_actions_adddup2(&actions, err.write, 2);
  // Descriptors other code opened without O_CLOEXEC (sockets, files) stay
  // out of the child.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);  // a new group whose id is the child's pid
  sigset_t signals;
  sigemptyset(&signals);
  posix_spawnattr_setsigmask(&attr, &signals);
  sigfillset(&signals);
  posix_spawnattr_setsigdefault(&attr, &signals);

  std::vector<std::string> args = options.argv;
  std::vector<char*> argv = c_strings(args);
  std::vector<std::string> env_entries = child_environment(options.env, options.unset_env);
  std::vector<char*> envp = c_strings(env_entries);

  // glibc reports a failed exec (ENOENT, EACCES) as posix_spawn's result.
  int rc = posix_spawnp(&pid_, program.c_str(), &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    pid_ = -1;
    throw RuntimeError("cannot start " + program + ": " + strerrordesc_np(rc));
  }

  // The child has its copies; keep only the parent's ends.
  close_fd(in.read);
  close_fd(out.write);
  close_fd(err.write);
  std::swap(stdin_fd_, in.write);
  std::swap(stdout_fd_, out.read);
  int err_fd = -1;
  std::swap(err_fd, err.read);
  try {
    relay_ = std::thread(&ChildProcess::relay_stderr, this, err_fd, std::move(name),
                         std::move(options.on_stderr_line), options.quiet);
  } catch (const std::system_error& e) {
    close_fd(err_fd);
    close_stdin();
    close_stdout();
    terminate(std::chrono::milliseconds(0));
    throw RuntimeError("cannot relay the stderr of " + program + ": " + e.what());
  }
}

ChildProcess::~ChildProcess() {
  close_stdin();
  close_stdout();
  bool running;
  {
    std::lock_guard lock(mutex_);
    running = !reaped_;
  }
  if (running) {
    terminate(std::chrono::milliseconds(0));
  } else {
    join_relay();
  }
}

void ChildProcess::close_stdin() { close_fd(stdin_fd_); }
void ChildProcess::close_stdout() { close_fd(stdout_fd_); }

void ChildProcess::send_signal(int signal) {
  std::lock_guard lock(mutex_);
  // Until it is reaped, the leader (even as a zombie) holds its pid, and so
  // the group id: the signal cannot reach an unrelated process.
  if (!reaped_) kill(-pid_, signal);
}

ExitStatus ChildProcess::terminate(std::chrono::milliseconds grace) {
  send_signal(SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < deadline) {
    siginfo_t info{};
    // WNOWAIT: look without reaping, so the pid stays reserved for the SIGKILL below.
    if (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid != 0) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  // Also reaches members of the group that outlived a leader which did exit.
  send_signal(SIGKILL);
  return wait();
}

ExitStatus ChildProcess::wait() {
  bool reaped;
  {
    std::lock_guard lock(mutex_);
    reaped = reaped_;
  }
  if (!reaped) {
    siginfo_t info{};
    // Blocks until the child exits, without reaping (see terminate()). Fails
    // with ECHILD when another thread reaped it meanwhile.
    while (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR) {
    }
    std::lock_guard lock(mutex_);
    reap_locked();
  }
  join_relay();
  std::lock_guard lock(mutex_);
  return status_;
}

void ChildProcess::reap_locked() {
  if (reaped_) return;
  int status = 0;
  pid_t r;
  while ((r = waitpid(pid_, &status, 0)) < 0 && errno == EINTR) {
  }
  reaped_ = true;
  if (r != pid_) return;  // reaped behind our back (SIGCHLD set to SIG_IGN): status unknown
  if (WIFEXITED(status)) {
    status_.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    status_.signal = WTERMSIG(status);
  }
}

void ChildProcess::join_relay() {
  std::lock_guard lock(relay_mutex_);
  if (relay_.joinable()) relay_.join();
}

void ChildProcess::relay_stderr(int fd, std::string name, std::function<void(const std::string&)> on_line,
                                bool quiet) {
  auto emit = [&](std::string_view raw) {
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    std::string line = log::redact(raw);
    if (!quiet) log::info(line, {{"process", name}});
    if (on_line) on_line(line);
  };
  std::string pending;
  char buf[4096];
  while (true) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending.append(buf, static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (std::size_t nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n', start)) {
      emit(std::string_view(pending).substr(start, nl - start));
      start = nl + 1;
    }
    pending.erase(0, start);
    if (pending.size() >= kMaxLineBytes) {
      emit(pending);
      pending.clear();
    }
  }
  if (!pending.empty()) emit(pending);
  close(fd);
}

CapturedOutput run_and_capture(std::vector<std::string> argv, std::chrono::milliseconds timeout,
                               const std::map<std::string, std::string>& env) {
  CapturedOutput result;
  ChildOptions options;
  options.argv = std::move(argv);
  options.env = env;
  options.stdout_to = Redirect::pipe();
  options.pipe_bytes = 0;
  options.quiet = true;
  // Runs on the relay thread; wait() joins it before result.err is read.
  options.on_stderr_line = [&result](const std::string& line) { result.err += line + "\n"; };
  ChildProcess child(std::move(options));

  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[65536];
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      break;
    }
    pollfd p{child.stdout_fd(), POLLIN, 0};
    int ready = poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    ssize_t n = read(child.stdout_fd(), buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) break;
    result.out.append(buf, static_cast<std::size_t>(n));
  }
  child.close_stdout();
  result.status = result.timed_out ? child.terminate(std::chrono::milliseconds(100)) : child.wait();
  return result;
}

}  // namespace pgdump2s3::pg
