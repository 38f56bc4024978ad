// The machine size names against the table in shared/refdata/fly/NOTES.md §3
// (fly-go MachinePresets) and Fly's memory rules for each CPU kind.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "fly/guest_presets.h"

namespace pgdump2s3::fly {
namespace {

TEST(GuestPresets, TheOldDefaultSizeIsFourSharedCpusWithOneGigabyte) {
  const GuestPreset* p = find_guest_preset("shared-cpu-4x");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->cpu_kind, "shared");
  EXPECT_EQ(p->cpus, 4);
  EXPECT_EQ(p->memory_mb, 1024);
  EXPECT_TRUE(p->gpu_kind.empty());
}

TEST(GuestPresets, MatchTheFlyGoTable) {
  struct Row {
    const char* name;
    const char* kind;
    int cpus;
    int memory_mb;
  };
  const Row rows[] = {
      {"shared-cpu-1x", "shared", 1, 256},          {"shared-cpu-2x", "shared", 2, 512},
      {"shared-cpu-6x", "shared", 6, 1536},         {"shared-cpu-8x", "shared", 8, 2048},
      {"performance-1x", "performance", 1, 2048},   {"performance-2x", "performance", 2, 4096},
      {"performance-4x", "performance", 4, 8192},   {"performance-6x", "performance", 6, 12288},
      {"performance-8x", "performance", 8, 16384},  {"performance-10x", "performance", 10, 20480},
      {"performance-12x", "performance", 12, 24576}, {"performance-14x", "performance", 14, 28672},
      {"performance-16x", "performance", 16, 32768},
  };
  for (const Row& row : rows) {
    const GuestPreset* p = find_guest_preset(row.name);
    ASSERT_NE(p, nullptr) << row.name;
    EXPECT_EQ(p->cpu_kind, row.kind) << row.name;
    EXPECT_EQ(p->cpus, row.cpus) << row.name;
    EXPECT_EQ(p->memory_mb, row.memory_mb) << row.name;
  }
  EXPECT_EQ(guest_presets().size(), 14u + 4u) << "14 CPU sizes and 4 GPU sizes";
}

TEST(GuestPresets, GpuSizesAreEightPerformanceCpusWithOneGpu) {
  for (const char* name : {"a100-40gb", "a100-80gb", "l40s", "a10"}) {
    const GuestPreset* p = find_guest_preset(name);
    ASSERT_NE(p, nullptr) << name;
    EXPECT_EQ(p->cpu_kind, "performance");
    EXPECT_EQ(p->cpus, 8);
    EXPECT_EQ(p->memory_mb, 32768);
    EXPECT_EQ(p->gpus, 1);
    EXPECT_FALSE(p->gpu_kind.empty());
  }
  EXPECT_EQ(find_guest_preset("a100-40gb")->gpu_kind, "a100-pcie-40gb");
  EXPECT_EQ(find_guest_preset("a100-80gb")->gpu_kind, "a100-sxm4-80gb");
}

TEST(GuestPresets, EveryMemorySizeIsWithinFlysBoundsForItsCpuKind) {
  // Shared: 256..2048 MB per CPU in steps of 256; performance: 2048..8192 MB
  // per CPU (fly-go constants, DOCS machine-sizing).
  std::set<std::string> names;
  for (const GuestPreset& p : guest_presets()) {
    EXPECT_TRUE(names.insert(std::string(p.name)).second) << "duplicate " << p.name;
    EXPECT_EQ(p.memory_mb % 256, 0) << p.name;
    if (p.cpu_kind == "shared") {
      EXPECT_GE(p.memory_mb, 256 * p.cpus) << p.name;
      EXPECT_LE(p.memory_mb, 2048 * p.cpus) << p.name;
    } else {
      ASSERT_EQ(p.cpu_kind, "performance") << p.name;
      EXPECT_GE(p.memory_mb, 2048 * p.cpus) << p.name;
      EXPECT_LE(p.memory_mb, 8192 * p.cpus) << p.name;
    }
  }
}

TEST(GuestPresets, UnknownNamesAreNotFoundAndTheErrorListsTheKnownOnes) {
  EXPECT_EQ(find_guest_preset("shared-cpu-3x"), nullptr);
  EXPECT_EQ(find_guest_preset("SHARED-CPU-4X"), nullptr);
  EXPECT_EQ(find_guest_preset(""), nullptr);
  std::string names = guest_preset_names();
  EXPECT_EQ(names.rfind("shared-cpu-1x, shared-cpu-2x", 0), 0u) << names;
  EXPECT_NE(names.find("performance-16x"), std::string::npos);
}

}  // namespace
}  // namespace pgdump2s3::fly
