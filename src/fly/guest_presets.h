// Fly machine size names (FLY_MACHINE_SIZE, `fly machine run --vm-size`) and
// the guest each one stands for. The Machines API takes a guest object
// (config.guest: cpu_kind, cpus, memory_mb); the name-only config.size field
// is deprecated in its OpenAPI spec, so the names are resolved here.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace pgdump2s3::fly {

struct GuestPreset {
  std::string_view name;      // shared-cpu-4x
  std::string_view cpu_kind;  // "shared" or "performance"
  int cpus = 0;
  int memory_mb = 0;
  std::string_view gpu_kind;  // empty for CPU-only sizes
  int gpus = 0;
};

// Every named size, in the order Fly lists them.
std::span<const GuestPreset> guest_presets();

// The preset called `name`, or nullptr when Fly has no size of that name.
const GuestPreset* find_guest_preset(std::string_view name);

// "shared-cpu-1x, shared-cpu-2x, ..." for error messages.
std::string guest_preset_names();

}  // namespace pgdump2s3::fly
