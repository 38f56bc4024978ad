#include "support/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "support/services.h"

extern char** environ;

namespace pgdump2s3::testing {
namespace {

// A child's "NAME=value" environment and argv, built before fork (no
// allocation after fork). The char* vectors point into the strings.
struct ChildArgs {
  std::vector<std::string> env_strings;
  std::vector<char*> envp;
  std::vector<std::string> args;
  std::vector<char*> argvp;

  ChildArgs(const std::vector<std::string>& argv, const CommandOptions& options) : args(argv) {
    std::map<std::string, std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
      std::string entry(*e);
      auto eq = entry.find('=');
      if (eq != std::string::npos) env[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
    for (const auto& k : options.unset_env) env.erase(k);
    for (const auto& [k, v] : options.env) env[k] = v;
    for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    for (auto& a : args) argvp.push_back(a.data());
    argvp.push_back(nullptr);
  }
};

}  // namespace

CommandResult run_command(const std::vector<std::string>& argv, const CommandOptions& options) {
  CommandResult result;
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0 ||
      pipe2(err_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  ChildArgs child(argv, options);
  std::vector<char*>& envp = child.envp;
  std::vector<char*>& argvp = child.argvp;

  int out_fd = -1;
  if (!options.stdout_file.empty()) {
    out_fd = open(options.stdout_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out_fd < 0) throw std::runtime_error("cannot open " + options.stdout_file);
  }

  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    dup2(in_pipe[0], 0);
    dup2(out_fd >= 0 ? out_fd : out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    setpgid(0, 0);  // its own group, so a timeout kills its children too
    execvpe(argvp[0], argvp.data(), envp.data());
    _exit(127);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (out_fd >= 0) close(out_fd);

  // Feed stdin and drain stdout/stderr together so no pipe fills up.
  std::size_t in_off = 0;
  int in_w = in_pipe[1];
  if (options.stdin_data.empty()) {
    close(in_w);
    in_w = -1;
  } else {
    fcntl(in_w, F_SETFL, O_NONBLOCK);
  }
  int fds[2] = {out_pipe[0], err_pipe[0]};
  std::string* sinks[2] = {&result.out, &result.err};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(options.timeout_s);
  bool killed = false;
  while (fds[0] >= 0 || fds[1] >= 0 || in_w >= 0) {
    pollfd p[3];
    int n = 0;
    int idx[3];
    for (int i = 0; i < 2; ++i) {
      if (fds[i] >= 0) {
        p[n] = {fds[i], POLLIN, 0};
        idx[n++] = i;
      }
    }
    if (in_w >= 0) {
      p[n] = {in_w, POLLOUT, 0};
      idx[n++] = 2;
    }
    int left_ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                       deadline - std::chrono::steady_clock::now())
                                       .count());
    if (left_ms <= 0) {
      kill(-pid, SIGKILL);
      killed = true;
      break;
    }
    if (poll(p, n, std::min(left_ms, 1000)) < 0) continue;
    for (int j = 0; j < n; ++j) {
      if (p[j].revents == 0) continue;
      if (idx[j] == 2) {
        ssize_t w = write(in_w, options.stdin_data.data() + in_off, options.stdin_data.size() - in_off);
        if (w > 0) in_off += static_cast<std::size_t>(w);
        if (w < 0 && errno != EAGAIN) in_off = options.stdin_data.size();
        if (in_off == options.stdin_data.size()) {
          close(in_w);
          in_w = -1;
        }
        continue;
      }
      char buf[65536];
      ssize_t r = read(fds[idx[j]], buf, sizeof buf);
      if (r > 0) {
        sinks[idx[j]]->append(buf, static_cast<std::size_t>(r));
      } else if (r == 0 || errno != EINTR) {
        close(fds[idx[j]]);
        fds[idx[j]] = -1;
      }
    }
  }
  for (int fd : fds) {
    if (fd >= 0) close(fd);
  }
  if (in_w >= 0) close(in_w);
  int status = 0;
  waitpid(pid, &status, 0);
  if (killed) {
    result.exit_code = -1;
    result.signal = SIGKILL;
    result.err += "\n[test harness: killed after " + std::to_string(options.timeout_s) + " s]";
  } else if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
  }
  return result;
}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv, const CommandOptions& options) {
  int out_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  ChildArgs child(argv, options);
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    dup2(out_pipe[1], 1);
    setpgid(0, 0);  // its own group, so that its children die with it
    execvpe(child.argvp[0], child.argvp.data(), child.envp.data());
    _exit(127);
  }
  close(out_pipe[1]);
  stdout_fd_ = out_pipe[0];
}

BackgroundProcess::~BackgroundProcess() {
  if (stdout_fd_ >= 0) close(stdout_fd_);
  if (pid_ <= 0) return;
  kill(-pid_, SIGTERM);
  kill(pid_, SIGTERM);  // in case it had not reached setpgid yet
  for (int i = 0; i < 50; ++i) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) return;
    usleep(100'000);
  }
  kill(-pid_, SIGKILL);
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
}

std::string BackgroundProcess::read_line(int timeout_s) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  for (;;) {
    if (auto nl = pending_.find('\n'); nl != std::string::npos) {
      std::string line = pending_.substr(0, nl);
      pending_.erase(0, nl + 1);
      return line;
    }
    int left_ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                       deadline - std::chrono::steady_clock::now())
                                       .count());
    if (left_ms <= 0) throw std::runtime_error("background process printed no line in time");
    pollfd p{stdout_fd_, POLLIN, 0};
    if (poll(&p, 1, left_ms) <= 0) continue;
    char buf[4096];
    ssize_t r = read(stdout_fd_, buf, sizeof buf);
    if (r == 0) throw std::runtime_error("background process exited before printing a line");
    if (r > 0) pending_.append(buf, static_cast<std::size_t>(r));
  }
}

std::string describe(const CommandResult& r) {
  return "exit " + std::to_string(r.exit_code) + " signal " + std::to_string(r.signal) + "\nstdout:\n" + r.out +
         "\nstderr:\n" + r.err;
}

CommandResult aws_cli(const S3Service& s3, const std::vector<std::string>& args,
                      const CommandOptions& options) {
  // Debian's AWS CLI v2 when installed: a pyenv `aws` shim earlier in PATH may
  // be another version or fail outside its Python environment.
  const std::string program = access("/usr/bin/aws", X_OK) == 0 ? "/usr/bin/aws" : "aws";
  std::vector<std::string> argv = {program, "--endpoint-url", s3.endpoint, "--region", s3.region};
  argv.insert(argv.end(), args.begin(), args.end());
  CommandOptions o = options;
  o.env["AWS_ACCESS_KEY_ID"] = s3.access_key;
  o.env["AWS_SECRET_ACCESS_KEY"] = s3.secret_key;
  o.env["AWS_EC2_METADATA_DISABLED"] = "true";
  o.env["AWS_CONFIG_FILE"] = "/dev/null";
  o.env["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null";
  o.env["AWS_PAGER"] = "";
  o.unset_env.push_back("AWS_SESSION_TOKEN");
  o.unset_env.push_back("AWS_PROFILE");
  return run_command(argv, o);
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "pgdump2s3-test-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

}  // namespace pgdump2s3::testing
