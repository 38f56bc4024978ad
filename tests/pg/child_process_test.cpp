// Child processes: no shell, pipes, environment, stderr relay with redaction,
// exit codes and signals, process groups, no zombies, no leaked fds.
#include "pg/child_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "util/error.h"
#include "util/log.h"

namespace pgdump2s3::pg {
namespace {

std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  return out;
}

std::string read_line(int fd) {
  std::string line;
  char c;
  while (read(fd, &c, 1) == 1 && c != '\n') line.push_back(c);
  return line;
}

ChildOptions command(std::vector<std::string> argv) {
  ChildOptions o;
  o.argv = std::move(argv);
  o.quiet = true;
  return o;
}

std::size_t open_descriptor_count() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

// Waits (bounded) until `pid` is gone or a zombie: reparented orphans are
// reaped by init in its own time.
bool process_ends(pid_t pid) {
  for (int i = 0; i < 1000; ++i) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    if (!stat) return true;
    std::string content((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    std::size_t paren = content.rfind(')');
    if (paren != std::string::npos && content.size() > paren + 2 && content[paren + 2] == 'Z') return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST(ChildProcess, ReportsTheExitCode) {
  ChildProcess child(command({"sh", "-c", "exit 3"}));
  ExitStatus s = child.wait();
  EXPECT_EQ(s.exit_code, 3);
  EXPECT_EQ(s.signal, 0);
  EXPECT_FALSE(s.success());
  EXPECT_EQ(s.describe(), "exited with status 3");
  EXPECT_EQ(child.wait().exit_code, 3);  // the same answer again
}

TEST(ChildProcess, ArgumentsReachTheProgramUntouchedByAnyShell) {
  ChildProcess child(command({"printf", "%s|", "a b", "$HOME", "'q'", ";", "*"}));
  EXPECT_EQ(read_all(child.stdout_fd()), "a b|$HOME|'q'|;|*|");
  EXPECT_TRUE(child.wait().success());
}

TEST(ChildProcess, PassesExtraEnvironmentAndRemovesUnset) {
  setenv("PGDUMP2S3_TEST_INHERITED", "inherited", 1);
  setenv("PGDUMP2S3_TEST_REMOVED", "removed", 1);
  ChildOptions o = command({"sh", "-c", "printf '%s,%s,%s' \"$EXTRA\" \"$PGDUMP2S3_TEST_INHERITED\" "
                                        "\"${PGDUMP2S3_TEST_REMOVED-unset}\""});
  o.env = {{"EXTRA", "extra value"}};
  o.unset_env = {"PGDUMP2S3_TEST_REMOVED"};
  ChildProcess child(std::move(o));
  EXPECT_EQ(read_all(child.stdout_fd()), "extra value,inherited,unset");
  EXPECT_TRUE(child.wait().success());
}

TEST(ChildProcess, WritesStdinThroughAPipe) {
  ChildOptions o = command({"cat"});
  o.stdin_from = Redirect::pipe();
  ChildProcess child(std::move(o));
  ASSERT_EQ(write(child.stdin_fd(), "hello\n", 6), 6);
  child.close_stdin();
  EXPECT_EQ(read_all(child.stdout_fd()), "hello\n");
  EXPECT_TRUE(child.wait().success());
}

TEST(ChildProcess, StdoutToACallerDescriptor) {
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  ChildOptions o = command({"echo", "to the caller's pipe"});
  o.stdout_to = Redirect::to_fd(fds[1]);
  ChildProcess child(std::move(o));
  EXPECT_EQ(child.stdout_fd(), -1);
  close(fds[1]);
  EXPECT_EQ(read_all(fds[0]), "to the caller's pipe\n");
  close(fds[0]);
  EXPECT_TRUE(child.wait().success());
}

TEST(ChildProcess, RelaysStderrLineByLineRedacted) {
  log::add_secret("relay-secret-9f3a");
  std::vector<std::string> lines;
  ChildOptions o = command({"sh", "-c", "echo 'first relay-secret-9f3a' >&2; printf 'second\\r\\nlast' >&2"});
  o.on_stderr_line = [&lines](const std::string& line) { lines.push_back(line); };
  ChildProcess child(std::move(o));
  EXPECT_TRUE(child.wait().success());
  EXPECT_EQ(lines, (std::vector<std::string>{"first ***", "second", "last"}));
}

TEST(ChildProcess, ReportsTheSignalThatKilledIt) {
  ChildProcess child(command({"sleep", "60"}));
  ExitStatus s = child.terminate(std::chrono::seconds(30));
  EXPECT_EQ(s.signal, SIGTERM);
  EXPECT_EQ(s.exit_code, -1);
  EXPECT_EQ(s.describe(), "killed by signal 15 (SIGTERM)");
}

TEST(ChildProcess, EscalatesToSigkillAfterTheGracePeriod) {
  ChildProcess child(command({"sh", "-c", "trap '' TERM; echo ready; exec sleep 60"}));
  ASSERT_EQ(read_line(child.stdout_fd()), "ready");
  ExitStatus s = child.terminate(std::chrono::milliseconds(200));
  EXPECT_EQ(s.signal, SIGKILL);
}

TEST(ChildProcess, TerminateStopsTheWholeProcessGroup) {
  ChildProcess child(command({"sh", "-c", "sleep 60 & echo $!; wait"}));
  EXPECT_EQ(getpgid(child.pid()), child.pid());
  pid_t grandchild = std::stoi(read_line(child.stdout_fd()));
  EXPECT_EQ(getpgid(grandchild), child.pid());
  child.terminate(std::chrono::seconds(30));
  EXPECT_TRUE(process_ends(grandchild));
}

TEST(ChildProcess, TerminateFromAnotherThreadWhileWaiting) {
  ChildProcess child(command({"sleep", "60"}));
  ExitStatus waited;
  std::thread waiter([&] { waited = child.wait(); });
  ExitStatus terminated = child.terminate(std::chrono::seconds(30));
  waiter.join();
  EXPECT_EQ(terminated.signal, SIGTERM);
  EXPECT_EQ(waited.signal, SIGTERM);
}

TEST(ChildProcess, LeavesNoZombieAndNoDescriptorBehind) {
  std::size_t before = open_descriptor_count();
  pid_t pid;
  {
    ChildOptions o = command({"cat"});
    o.stdin_from = Redirect::pipe();
    ChildProcess child(std::move(o));
    pid = child.pid();
    child.close_stdin();
    EXPECT_TRUE(child.wait().success());
  }
  errno = 0;
  EXPECT_EQ(waitpid(pid, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
  EXPECT_EQ(open_descriptor_count(), before);
}

TEST(ChildProcess, DestructorKillsAndReapsARunningChild) {
  pid_t pid;
  {
    ChildProcess child(command({"sleep", "60"}));
    pid = child.pid();
  }
  errno = 0;
  EXPECT_EQ(waitpid(pid, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
  EXPECT_EQ(kill(pid, 0), -1);
}

TEST(ChildProcess, InheritsOnlyItsStandardStreams) {
  int leaky = open("/dev/null", O_RDONLY);  // deliberately without O_CLOEXEC
  ASSERT_GE(leaky, 3);
  ChildProcess child(command({"ls", "/proc/self/fd"}));
  std::string listing = read_all(child.stdout_fd());
  EXPECT_TRUE(child.wait().success());
  close(leaky);
  std::set<std::string> fds;
  std::istringstream in(listing);
  for (std::string fd; in >> fd;) fds.insert(fd);
  // 3 is the folder ls itself opened to list.
  EXPECT_EQ(fds, (std::set<std::string>{"0", "1", "2", "3"}));
}

TEST(ChildProcess, StartsWithDefaultSignalDispositionsAndNoMask) {
  struct sigaction ignore{}, old_pipe{};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ignore, &old_pipe);
  sigset_t block, old_mask;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &block, &old_mask);
  ChildProcess child(command({"cat", "/proc/self/status"}));
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  sigaction(SIGPIPE, &old_pipe, nullptr);
  std::string status = read_all(child.stdout_fd());
  EXPECT_TRUE(child.wait().success());
  EXPECT_NE(status.find("SigBlk:\t0000000000000000"), std::string::npos) << status;
  // SigIgn: bit N-1 is signal N. (glibc's posix_spawn leaves its internal
  // signals 32 and 33 ignored; the new program's libc sets them up again.)
  std::size_t at = status.find("SigIgn:\t");
  ASSERT_NE(at, std::string::npos);
  unsigned long long ignored = std::stoull(status.substr(at + 8, 16), nullptr, 16);
  EXPECT_EQ(ignored & ((1ULL << 31) - 1), 0u) << status.substr(at, 24);
}

TEST(ChildProcess, AMissingProgramIsAnError) {
  try {
    ChildProcess child(command({"/nonexistent/pg_dump", "--version"}));
    FAIL();
  } catch (const RuntimeError& e) {
    EXPECT_STREQ(e.what(), "cannot start /nonexistent/pg_dump: No such file or directory");
  }
}

TEST(RunAndCapture, CollectsStdoutAndStderr) {
  CapturedOutput r = run_and_capture({"sh", "-c", "echo out; echo err >&2; exit 4"}, std::chrono::seconds(30));
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
  EXPECT_EQ(r.status.exit_code, 4);
  EXPECT_FALSE(r.timed_out);
}

TEST(RunAndCapture, KillsACommandThatRunsTooLong) {
  CapturedOutput r = run_and_capture({"sleep", "60"}, std::chrono::milliseconds(100));
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.status.signal, SIGTERM);
}

}  // namespace
}  // namespace pgdump2s3::pg
