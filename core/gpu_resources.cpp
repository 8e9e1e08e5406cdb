#include "core/gpu_resources.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "kernels/emulator_counters.h"
#include "kernels/kernel_name.h"

#if __has_include(<cuda_occupancy.h>)
#include <cuda_occupancy.h>
#define GANFORGE_HAS_OCCUPANCY 1
#endif

namespace ganforge {
namespace {

#if defined(GANFORGE_HAS_OCCUPANCY)
// The published limits of one GPU of each architecture (the CUDA C++ Programming Guide's
// table of compute capabilities; the SM count of the A100 SXM and the H100 SXM).
cudaOccDeviceProp architecture_limits(int sm) {
  cudaOccDeviceProp p;
  p.maxThreadsPerBlock = 1024;
  p.maxThreadsPerMultiprocessor = 2048;
  p.regsPerBlock = 65536;
  p.regsPerMultiprocessor = 65536;
  p.warpSize = 32;
  p.sharedMemPerBlock = 48 << 10;
  p.reservedSharedMemPerBlock = 1 << 10;
  if (sm == 80) {
    p.computeMajor = 8;
    p.computeMinor = 0;
    p.sharedMemPerMultiprocessor = 164 << 10;
    p.sharedMemPerBlockOptin = 163 << 10;
    p.numSms = 108;
  } else if (sm == 90) {
    p.computeMajor = 9;
    p.computeMinor = 0;
    p.sharedMemPerMultiprocessor = 228 << 10;
    p.sharedMemPerBlockOptin = 227 << 10;
    p.numSms = 132;
  } else {
    throw std::invalid_argument("gpu occupancy: no limits known for sm_" + std::to_string(sm) +
                                " (known: sm_80, sm_90)");
  }
  return p;
}

std::string limiting_factor(unsigned factors) {
  if (factors & OCC_LIMIT_REGISTERS) return "registers";
  if (factors & OCC_LIMIT_SHARED_MEMORY) return "shared memory";
  if (factors & OCC_LIMIT_BARRIERS) return "barriers";
  if (factors & OCC_LIMIT_BLOCKS) return "blocks";
  if (factors & OCC_LIMIT_WARPS) return "warps";
  return "-";
}
#endif

}  // namespace

std::string kernel_name(const CompiledKernel& kernel) { return kernels::short_kernel_name_of_symbol(kernel.symbol); }

bool occupancy_available() {
#if defined(GANFORGE_HAS_OCCUPANCY)
  return true;
#else
  return false;
#endif
}

std::vector<int> known_architectures() { return {80, 90}; }

Occupancy theoretical_occupancy(const CompiledKernel& kernel, int block_threads, size_t dynamic_shared_bytes) {
#if defined(GANFORGE_HAS_OCCUPANCY)
  const cudaOccDeviceProp device = architecture_limits(kernel.sm);
  cudaOccFuncAttributes attributes;
  attributes.maxThreadsPerBlock = device.maxThreadsPerBlock;
  attributes.numRegs = kernel.registers;
  attributes.sharedSizeBytes = static_cast<size_t>(kernel.shared_bytes);
  // A launch asking for more than 48 KB has opted in (cudaFuncSetAttribute), up to the optin limit.
  attributes.shmemLimitConfig = FUNC_SHMEM_LIMIT_OPTIN;
  attributes.maxDynamicSharedSizeBytes =
      device.sharedMemPerBlockOptin - std::min(device.sharedMemPerBlockOptin, static_cast<size_t>(kernel.shared_bytes));
  attributes.numBlockBarriers = 1;
  const cudaOccDeviceState state;
  cudaOccResult result{};
  if (cudaOccMaxActiveBlocksPerMultiprocessor(&result, &device, &attributes, &state, block_threads,
                                              dynamic_shared_bytes) != CUDA_OCC_SUCCESS)
    throw std::invalid_argument("gpu occupancy: " + kernel_name(kernel) + " cannot be launched with " +
                                std::to_string(block_threads) + " threads and " + std::to_string(dynamic_shared_bytes) +
                                " bytes of dynamic shared memory on sm_" + std::to_string(kernel.sm));
  Occupancy o;
  o.blocks_per_sm = result.activeBlocksPerMultiprocessor;
  o.warps_per_sm = o.blocks_per_sm * ((block_threads + device.warpSize - 1) / device.warpSize);
  o.max_warps_per_sm = device.maxThreadsPerMultiprocessor / device.warpSize;
  o.fraction = static_cast<double>(o.warps_per_sm) / o.max_warps_per_sm;
  o.limited_by = o.fraction >= 1 ? "nothing" : limiting_factor(result.limitingFactors);
  return o;
#else
  (void)kernel, (void)block_threads, (void)dynamic_shared_bytes;
  throw std::runtime_error("gpu occupancy: this build has no CUDA headers (cuda_occupancy.h)");
#endif
}

std::string format_compiled_kernels(int block_threads, double occupancy_floor, bool only_flagged, size_t* flagged) {
  size_t flagged_rows = 0;
  std::string rows;
  size_t width = std::string("kernel").size();
  for (const CompiledKernel& k : compiled_kernels()) width = std::max(width, kernel_name(k).size());
  const int w = static_cast<int>(width);
  char line[1024];
  for (const CompiledKernel& k : compiled_kernels()) {
    const bool spills = k.spill_store_bytes > 0 || k.spill_load_bytes > 0;
    std::string occupancy = "-", limit = "-";
    bool low = false;
    if (occupancy_available()) {
      const Occupancy o = theoretical_occupancy(k, block_threads);
      std::snprintf(line, sizeof line, "%d/%d warps %3.0f%%", o.warps_per_sm, o.max_warps_per_sm, 100 * o.fraction);
      occupancy = line;
      limit = o.limited_by;
      low = o.fraction < occupancy_floor;
    }
    const bool flag = spills || low;
    flagged_rows += flag;
    if (only_flagged && !flag) continue;
    std::snprintf(line, sizeof line, "%-*s sm_%d %5d %9lld %7lld %7lld/%-7lld %8d  %-20s %-14s %s\n", w,
                  kernel_name(k).c_str(), k.sm, k.registers, static_cast<long long>(k.shared_bytes),
                  static_cast<long long>(k.stack_bytes), static_cast<long long>(k.spill_store_bytes),
                  static_cast<long long>(k.spill_load_bytes), k.barriers, occupancy.c_str(), limit.c_str(),
                  spills && low ? "SPILLS, LOW OCCUPANCY"
                  : spills      ? "SPILLS"
                  : low         ? "LOW OCCUPANCY"
                                : "");
    rows += line;
  }
  if (flagged != nullptr) *flagged = flagged_rows;
  std::snprintf(line, sizeof line, "%-*s %-5s %5s %9s %7s %15s %8s  %-20s %-14s\n", w, "kernel", "arch", "regs",
                "smem B", "stack B", "spill st/ld B", "barriers", "occupancy", "limited by");
  const std::string header = std::string(line);
  char floor_text[160];
  std::snprintf(floor_text, sizeof floor_text,
                "ptxas's resources per kernel; occupancy at %d threads a block, no dynamic shared memory; flagged: "
                "spills, or occupancy under %.0f%%\n",
                block_threads, 100 * occupancy_floor);
  return floor_text + header + rows;
}

std::string format_launch_occupancy() {
  if (compiled_kernels().empty() || !occupancy_available())
    return "occupancy at each launch configuration: this build has no ptxas table (no nvcc)\n";
  const std::vector<kernels::EmulatedKernel> launched = kernels::emulated_kernels();
  size_t width = std::string("kernel").size();
  for (const auto& k : launched) width = std::max(width, k.name.size());
  const int w = static_cast<int>(width);
  char line[1024];
  std::snprintf(line, sizeof line, "%-*s %6s %9s %8s", w, "kernel", "block", "dyn smem", "launches");
  std::string text =
      "occupancy at each launch configuration (ptxas's registers and shared memory):\n" + std::string(line);
  for (int sm : known_architectures()) {
    std::snprintf(line, sizeof line, "   sm_%d regs  occupancy          ", sm);
    text += line;
  }
  text.erase(text.find_last_not_of(' ') + 1);
  text += "\n";
  for (const auto& k : launched) {
    std::snprintf(line, sizeof line, "%-*s %6u %9zu %8llu", w, k.name.c_str(), k.block_threads, k.dynamic_shared_bytes,
                  static_cast<unsigned long long>(k.launches));
    text += line;
    for (int sm : known_architectures()) {
      const auto compiled =
          std::find_if(compiled_kernels().begin(), compiled_kernels().end(),
                       [&](const CompiledKernel& c) { return c.sm == sm && kernel_name(c) == k.name; });
      if (compiled == compiled_kernels().end()) {
        std::snprintf(line, sizeof line, "   %9s  %-19s", "-", "not in the table");
      } else {
        const Occupancy o = theoretical_occupancy(*compiled, static_cast<int>(k.block_threads), k.dynamic_shared_bytes);
        char occupancy[64];
        std::snprintf(occupancy, sizeof occupancy, "%3.0f%% (%s)", 100 * o.fraction, o.limited_by.c_str());
        std::snprintf(line, sizeof line, "   %9d  %-19s", compiled->registers, occupancy);
      }
      text += line;
    }
    text.erase(text.find_last_not_of(' ') + 1);
    text += "\n";
  }
  return text;
}

}  // namespace ganforge
