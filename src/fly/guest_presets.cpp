#include "fly/guest_presets.h"

#include <array>

namespace pgdump2s3::fly {
namespace {

// fly-go machine_types.go MachinePresets (Fly's own Go client, used by
// flyctl): a shared CPU comes with 256 MB, a performance CPU with 2048 MB
// (MIN_MEMORY_MB_PER_SHARED_CPU, MIN_MEMORY_MB_PER_CPU); the GPU sizes are 8
// performance CPUs with 32 GB and one GPU. See shared/refdata/fly/NOTES.md §3.
constexpr std::array kPresets = {
    GuestPreset{"shared-cpu-1x", "shared", 1, 256, "", 0},
    GuestPreset{"shared-cpu-2x", "shared", 2, 512, "", 0},
    GuestPreset{"shared-cpu-4x", "shared", 4, 1024, "", 0},
    GuestPreset{"shared-cpu-6x", "shared", 6, 1536, "", 0},
    GuestPreset{"shared-cpu-8x", "shared", 8, 2048, "", 0},
    GuestPreset{"performance-1x", "performance", 1, 2048, "", 0},
    GuestPreset{"performance-2x", "performance", 2, 4096, "", 0},
    GuestPreset{"performance-4x", "performance", 4, 8192, "", 0},
    GuestPreset{"performance-6x", "performance", 6, 12288, "", 0},
    GuestPreset{"performance-8x", "performance", 8, 16384, "", 0},
    GuestPreset{"performance-10x", "performance", 10, 20480, "", 0},
    GuestPreset{"performance-12x", "performance", 12, 24576, "", 0},
    GuestPreset{"performance-14x", "performance", 14, 28672, "", 0},
    GuestPreset{"performance-16x", "performance", 16, 32768, "", 0},
    GuestPreset{"a100-40gb", "performance", 8, 32768, "a100-pcie-40gb", 1},
    GuestPreset{"a100-80gb", "performance", 8, 32768, "a100-sxm4-80gb", 1},
    GuestPreset{"l40s", "performance", 8, 32768, "l40s", 1},
    GuestPreset{"a10", "performance", 8, 32768, "a10", 1},
};

}  // namespace

std::span<const GuestPreset> guest_presets() { return kPresets; }

const GuestPreset* find_guest_preset(std::string_view name) {
  for (const GuestPreset& preset : kPresets) {
    if (preset.name == name) return &preset;
  }
  return nullptr;
}

std::string guest_preset_names() {
  std::string names;
  for (const GuestPreset& preset : kPresets) {
    if (!names.empty()) names += ", ";
    names += preset.name;
  }
  return names;
}

}  // namespace pgdump2s3::fly
