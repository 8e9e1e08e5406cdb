// The register-blocked inner product shared by gemm_tiled_shared (gemm.cu) and the
// implicit-GEMM convolutions (conv.cu): a 64x64 output tile per block of 256 threads, each
// thread 4x4 outputs at rows ty + 16i and columns tx + 16j (so neighbouring threads read
// neighbouring shared words), from a 16-deep step of A (stored k-major) and B in shared memory.
#pragma once

#include "kernels/cuda/device.h"

namespace ganforge::kernels::GANFORGE_CUDA_NS {

constexpr int kTile = 64, kStep = 16, kPerThread = 4, kThreadsPerSide = kTile / kPerThread;

// acc[i][j] += Σ_kk a_tile[kk][ty + 16i] · b_tile[kk][tx + 16j]
template <class T>
__device__ inline void accumulate_tile_step(const T (&a_tile)[kStep][kTile], const T (&b_tile)[kStep][kTile], int tx, int ty,
                                            T (&acc)[kPerThread][kPerThread]) {
  for (int kk = 0; kk < kStep; ++kk) {
    T a_frag[kPerThread], b_frag[kPerThread];
    for (int i = 0; i < kPerThread; ++i) a_frag[i] = a_tile[kk][ty + kThreadsPerSide * i];
    for (int j = 0; j < kPerThread; ++j) b_frag[j] = b_tile[kk][tx + kThreadsPerSide * j];
    for (int i = 0; i < kPerThread; ++i)
      for (int j = 0; j < kPerThread; ++j) acc[i][j] += a_frag[i] * b_frag[j];
  }
}

}  // namespace ganforge::kernels::GANFORGE_CUDA_NS
