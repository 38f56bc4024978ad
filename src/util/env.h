// A snapshot of environment variables, so that configuration code can be
// tested with a made-up environment instead of the process's own.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace pgdump2s3 {

class Environment {
 public:
  Environment() = default;
  explicit Environment(std::map<std::string, std::string, std::less<>> vars) : vars_(std::move(vars)) {}
  // The current process's environment (read once, at the call).
  static Environment from_process();

  // The value, or nullopt when the variable is unset or empty (an empty
  // variable counts as unset, as the AWS CLI and libpq treat most of them).
  std::optional<std::string> get(std::string_view name) const;
  void set(std::string name, std::string value) { vars_[std::move(name)] = std::move(value); }
  const std::map<std::string, std::string, std::less<>>& all() const { return vars_; }

 private:
  std::map<std::string, std::string, std::less<>> vars_;
};

}  // namespace pgdump2s3
