// Warp and block reductions shared by the kernels of kernels/cuda (reduce.cu, norm.cu,
// activation.cu, ...). A warp combines its lanes' values with a shuffle tree; a block adds
// its warps' totals through shared memory. Every lane of the warp (every thread of the
// block) must call them: the shuffles use the full mask.
#pragma once

#include <cstdint>

#include "kernels/cuda/device.h"

namespace ganforge::kernels::GANFORGE_CUDA_NS {

constexpr unsigned kFullWarp = 0xffffffffu;

__device__ inline float shuffle_down(float v, int delta) { return __shfl_down_sync(kFullWarp, v, delta); }
__device__ inline double shuffle_down(double v, int delta) { return __shfl_down_sync(kFullWarp, v, delta); }
__device__ inline long long shuffle_down(long long v, int delta) { return __shfl_down_sync(kFullWarp, v, delta); }
__device__ inline long long shuffle_down(int64_t v, int delta) {
  return __shfl_down_sync(kFullWarp, static_cast<long long>(v), delta);
}

// The sum of the warp's values, in lane 0 (the other lanes hold partial sums).
template <class A>
__device__ A warp_sum(A v) {
  for (int delta = 16; delta > 0; delta /= 2) v += shuffle_down(v, delta);
  return v;
}

// Every lane of each aligned group of `width` lanes (a power of 2 up to 32) gets the
// combination of the group's values: a butterfly of xor shuffles, log2(width) steps.
template <class Combine>
__device__ double group_allreduce(double v, int width, Combine combine) {
  for (int mask = width / 2; mask > 0; mask /= 2) v = combine(v, __shfl_xor_sync(kFullWarp, v, mask, width));
  return v;
}

// The block's total of one value per thread (blockDim.x a multiple of 32); every thread gets
// it. `scratch` holds a value per warp and must not be in use by another reduction (the
// trailing barrier guarantees it).
template <class A>
__device__ A block_sum(A v, A* scratch) {
  v = warp_sum(v);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  A total = 0;
  for (unsigned w = 0; w < blockDim.x / 32; ++w) total += scratch[w];
  __syncthreads();
  return total;
}

}  // namespace ganforge::kernels::GANFORGE_CUDA_NS
