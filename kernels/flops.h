// The arithmetic of the compute-bound primitives, counted one way for the profiler
// (kernels/profiling_backend.h) and the benchmarks (bench/): 2 flops per multiply-add.
#pragma once

#include <cstdint>

#include "kernels/backend.h"

namespace ganforge::kernels {

constexpr double gemm_flops(int64_t batch, int64_t m, int64_t n, int64_t k) {
  return 2.0 * static_cast<double>(batch) * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
}
inline double gemm_flops(const GemmDesc& g) { return gemm_flops(g.batch, g.m, g.n, g.k); }

// Each of the three passes (fprop, dgrad, wgrad) multiplies every weight [cout, cin, kh, kw]
// with every position of the convolution's output y (dy in dgrad and wgrad): for a transposed
// convolution that is its input, the smaller map, so upsampling's zeros are not counted.
constexpr double conv2d_flops(int64_t batch, int64_t out_positions, int64_t cout, int64_t cin, int64_t kh, int64_t kw) {
  return 2.0 * static_cast<double>(batch) * static_cast<double>(out_positions) * static_cast<double>(cout) *
         static_cast<double>(cin) * static_cast<double>(kh) * static_cast<double>(kw);
}
// y (or dy) [N, Cout, Ho, Wo] and w (or dw) [Cout, Cin, kh, kw], as the conv2d primitives take them.
inline double conv2d_flops(const TensorDesc& y, const TensorDesc& w) {
  return conv2d_flops(y.shape[0], y.shape[2] * y.shape[3], w.shape[0], w.shape[1], w.shape[2], w.shape[3]);
}

}  // namespace ganforge::kernels
