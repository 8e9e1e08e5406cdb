// Sums over contiguous runs with several independent accumulators: one accumulator makes
// every add wait for the previous one (a latency chain); eight let g++ vectorise the loop.
#pragma once

#include <cstdint>

namespace ganforge::kernels::cpu {

constexpr int kSumLanes = 8;

// Σ p[k] for k < n, accumulated in Acc (double for floats, int64_t for integers).
template <class Acc, class T>
Acc sum_contiguous(const T* p, int64_t n) {
  Acc lanes[kSumLanes] = {};
  int64_t k = 0;
  for (; k + kSumLanes <= n; k += kSumLanes)
    for (int l = 0; l < kSumLanes; ++l) lanes[l] += static_cast<Acc>(p[k + l]);
  Acc sum = 0;
  for (; k < n; ++k) sum += static_cast<Acc>(p[k]);
  for (int l = 0; l < kSumLanes; ++l) sum += lanes[l];
  return sum;
}

}  // namespace ganforge::kernels::cpu
