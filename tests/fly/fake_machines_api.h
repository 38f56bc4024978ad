// The fake Fly Machines API (fake_machines_api.py) as a test fixture: each
// test starts its own on a free loopback port, scripts it with a scenario,
// and reads back every call the code under test made.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <sys/types.h>

namespace pgdump2s3::testing {

class FakeMachinesApi {
 public:
  // Starts the server and loads `scenario` (see the script's docstring for
  // the keys; unset keys keep their defaults).
  explicit FakeMachinesApi(const nlohmann::json& scenario = nlohmann::json::object());
  ~FakeMachinesApi();
  FakeMachinesApi(const FakeMachinesApi&) = delete;
  FakeMachinesApi& operator=(const FakeMachinesApi&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  void set_scenario(const nlohmann::json& scenario);
  // Every API request so far, oldest first: {method, path, query: {k: [v]},
  // body, authorization, status}; status is absent while a request (a
  // wait) is still being answered.
  nlohmann::json calls() const;
  // {machines: [Machine + forgotten], volumes: [Volume + deleted]}.
  nlohmann::json state() const;

 private:
  std::string admin(const std::string& method, const std::string& path, const std::string& body) const;
  pid_t pid_ = -1;
  int stdin_ = -1;  // the write end of the fake's stdin
  int port_ = 0;
};

// The calls whose method is `method` and whose path ends with `path_suffix`.
nlohmann::json calls_matching(const nlohmann::json& calls, const std::string& method,
                              const std::string& path_suffix);

}  // namespace pgdump2s3::testing
