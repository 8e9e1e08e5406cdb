// The SIMT emulator's memory counters (kernels/simt/profile.h) for code outside the emulator:
// usable in every build, empty where there is no cuda-sim backend or its kernels are not
// instrumented (sanitizer builds).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ganforge::kernels {

// Whether cuda-sim's kernels report their loads and stores in this build.
bool emulator_counters_available();
// Counts cuda-sim's kernels from start to stop, adding to what was counted until cleared.
void start_emulator_counters();
void stop_emulator_counters();
void clear_emulator_counters();

// Sums since start, while counting (else zeros): take them around a piece of work.
struct EmulatorCounters {
  double launches = 0;
  double l2_bytes = 0;    // 32-byte sectors moved between the SMs and L2
  double dram_bytes = 0;  // distinct sectors per launch: DRAM traffic with an ideal L2
};
EmulatorCounters emulator_counters();

// Per kernel and per access site: sectors per request, bank conflicts, divergence, barriers.
std::string emulator_kernel_report();

// The kernels counted, each with one launch configuration (a kernel launched two ways is two).
struct EmulatedKernel {
  std::string name;  // as kernels/kernel_name.h spells it
  unsigned block_threads = 0;
  size_t dynamic_shared_bytes = 0;
  uint64_t launches = 0;
};
std::vector<EmulatedKernel> emulated_kernels();

}  // namespace ganforge::kernels
