// What the real compiler made of each CUDA kernel, for every target architecture: registers,
// spills, static shared memory, stack and barriers, as ptxas reported them while nvcc built the
// `cuda` backend (cmake/nvcc_resources.sh keeps the report, cmake/gpu_resources_table.cmake
// turns it into the table compiled_kernels() returns). From them, the theoretical occupancy of a
// launch configuration by NVIDIA's own calculator (cuda_occupancy.h, the rules of the CUDA
// Occupancy Calculator) on the published limits of each architecture. No GPU is needed.
//
// `ganforge gpu-resources` prints the table; a kernel that spills, or whose occupancy at its
// launch's block size falls under the floor, is flagged (tools/test.sh and tools/gpu-check.sh
// list them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ganforge {

struct CompiledKernel {
  const char* symbol;  // the mangled name
  int sm;              // 90 for sm_90, 80 for sm_80
  int registers;       // per thread
  int barriers;
  int64_t shared_bytes;  // static __shared__
  int64_t stack_bytes, spill_store_bytes, spill_load_bytes;
};

// Every kernel of the build's `cuda` backend for every architecture it was compiled for; empty
// when the build has no nvcc.
const std::vector<CompiledKernel>& compiled_kernels();

// "gemm_tiled_shared<float>": the kernel's name without namespaces and parameters.
std::string kernel_name(const CompiledKernel& kernel);

struct Occupancy {
  int blocks_per_sm = 0;
  int warps_per_sm = 0, max_warps_per_sm = 0;
  double fraction = 0;     // warps_per_sm / max_warps_per_sm
  std::string limited_by;  // "registers", "shared memory", "warps", "blocks", "barriers"; "nothing" at 100%
};

// Whether the occupancy calculator (the CUDA headers' cuda_occupancy.h) is in this build, and
// which architectures it knows the limits of (80 and 90).
bool occupancy_available();
std::vector<int> known_architectures();

// The theoretical occupancy of `kernel` launched with `block_threads` threads and
// `dynamic_shared_bytes` of dynamic shared memory per block (over 48 KB: as opted in); 0 blocks
// where it cannot be launched; throws for an unknown architecture.
Occupancy theoretical_occupancy(const CompiledKernel& kernel, int block_threads, size_t dynamic_shared_bytes = 0);

// The table `ganforge gpu-resources` prints: a row per kernel and architecture with its
// resources and its occupancy at `block_threads`; with only_flagged, the kernels that spill or
// fall under `occupancy_floor` (a fraction). The count of flagged rows comes back in *flagged.
std::string format_compiled_kernels(int block_threads, double occupancy_floor, bool only_flagged, size_t* flagged);

// For each kernel the SIMT emulator counted (kernels/emulator_counters.h), at the launch
// configuration it was run with: ptxas's registers and the occupancy on each architecture.
std::string format_launch_occupancy();

}  // namespace ganforge
