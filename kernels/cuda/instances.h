// The two builds of kernels/cuda as backends, seen from plain C++ (kernels/registry.cpp, tests):
// `cuda` (nvcc) and `cuda-sim` (g++ against the SIMT emulator), with the statistics of the
// caching allocator behind their allocate / deallocate (kernels/cuda/memory.cu).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kernels/backend.h"

namespace ganforge::kernels {

Backend& cuda_backend();      // nvcc build; available() is false without a usable GPU
Backend& cuda_sim_backend();  // the same sources under the SIMT emulator, on the CPU

// One line per GPU the CUDA runtime reports, or one line saying why there is none (nvcc build).
std::vector<std::string> cuda_devices();

// Counters of a caching allocator; bytes are whole blocks (requests rounded up to their size
// class: 512 B steps below 1 MiB, 2 MiB steps above).
struct DeviceMemoryStats {
  int64_t allocated_bytes = 0;       // in blocks handed out and not yet freed
  int64_t peak_allocated_bytes = 0;  // the most allocated_bytes has been
  int64_t cached_bytes = 0;          // in freed blocks kept for reuse (held from the device)
  int64_t hits = 0;                  // allocations served from the cache
  int64_t misses = 0;                // allocations that called cudaMalloc
};

DeviceMemoryStats cuda_memory_stats();  // nvcc build
DeviceMemoryStats cuda_sim_memory_stats();
// Gives every cached block back to the device (cudaFree), after the queued kernels finish.
void cuda_empty_cache();  // nvcc build
void cuda_sim_empty_cache();

}  // namespace ganforge::kernels
