// The s3gate admin API (shared/tools/README.md, "Admin API"): fault rules,
// the request log, open multipart uploads and access policies.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "support/services.h"

namespace pgdump2s3::testing {

class GateAdmin {
 public:
  explicit GateAdmin(S3Service gate) : gate_(std::move(gate)) {}

  void set_faults(const nlohmann::json& rules);  // replaces all rules
  void clear_faults();
  nlohmann::json faults();                       // rules with matched/applied counters
  nlohmann::json log();                          // every proxied request
  void clear_log();
  nlohmann::json open_uploads();                 // [] when nothing is left open
  void set_policy(const std::string& access_key, const nlohmann::json& policy);
  void clear_policy(const std::string& access_key);

  // Resets faults, policies for `access_key`s used by tests and the log,
  // so that each test starts from a clean gate.
  void reset();

 private:
  std::string call(const std::string& method, const std::string& path, const std::string& body = "");
  S3Service gate_;
};

}  // namespace pgdump2s3::testing
