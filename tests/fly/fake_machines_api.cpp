#include "fake_machines_api.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>

#include "http/client.h"

extern char** environ;

namespace pgdump2s3::testing {

FakeMachinesApi::FakeMachinesApi(const nlohmann::json& scenario) {
  // stdout carries "listening on PORT"; stdin stays open for the fake's
  // lifetime (its end-of-file tells the fake that this process is gone).
  int out[2], in[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(in, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  std::string script = std::string(PGDUMP2S3_SOURCE_DIR) + "/tests/fly/fake_machines_api.py";
  char* argv[] = {const_cast<char*>("python3"), script.data(), nullptr};
  int rc = posix_spawnp(&pid_, "python3", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  close(in[0]);
  stdin_ = in[1];
  if (rc != 0) {
    close(out[0]);
    close(stdin_);
    throw std::runtime_error("cannot start python3 " + script);
  }
  // The server prints "listening on PORT" once it accepts connections.
  std::string line;
  pollfd p{out[0], POLLIN, 0};
  while (line.find('\n') == std::string::npos && poll(&p, 1, 10'000) > 0) {
    char buf[128];
    ssize_t n = read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    line.append(buf, static_cast<std::size_t>(n));
  }
  close(out[0]);
  if (line.rfind("listening on ", 0) != 0) {
    close(stdin_);
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    throw std::runtime_error("the fake Machines API did not start: '" + line + "'");
  }
  port_ = std::stoi(line.substr(13));
  set_scenario(scenario);
}

FakeMachinesApi::~FakeMachinesApi() {
  close(stdin_);
  kill(pid_, SIGTERM);
  waitpid(pid_, nullptr, 0);
}

std::string FakeMachinesApi::admin(const std::string& method, const std::string& path,
                                   const std::string& body) const {
  http::Client client;
  http::Request request;
  request.method = method;
  request.url = url() + path;
  if (!body.empty()) request.body.push_back(body);
  http::Response response = client.perform(request);
  if (response.status != 200) {
    throw std::runtime_error("fake admin " + path + ": HTTP " + std::to_string(response.status));
  }
  return response.body;
}

void FakeMachinesApi::set_scenario(const nlohmann::json& scenario) {
  admin("POST", "/_admin/scenario", scenario.dump());
}

nlohmann::json FakeMachinesApi::calls() const { return nlohmann::json::parse(admin("GET", "/_admin/calls", "")); }

nlohmann::json FakeMachinesApi::state() const { return nlohmann::json::parse(admin("GET", "/_admin/state", "")); }

nlohmann::json calls_matching(const nlohmann::json& calls, const std::string& method,
                              const std::string& path_suffix) {
  nlohmann::json out = nlohmann::json::array();
  for (const nlohmann::json& c : calls) {
    const std::string path = c.value("path", "");
    if (c.value("method", "") == method && path.size() >= path_suffix.size() &&
        path.compare(path.size() - path_suffix.size(), path_suffix.size(), path_suffix) == 0) {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace pgdump2s3::testing
