// The register-blocked inner product shared by gemm_tiled_shared (gemm.cu) and the
// implicit-GEMM convolutions (conv.cu): a 64x64 output tile per block of 256 threads, each
// thread 4x4 outputs at rows ty + 16i and columns tx + 16j (so neighbouring threads read
// neighbouring shared words), from a 16-deep step of A (stored k-major) and B in shared memory.
#pragma once

#include "kernels/cuda/device.h"

namespace ganforge::kernels::GANFORGE_CUDA_NS {

constexpr int kTile = 64, kStep = 16, kPerThread = 4, kThreadsPerSide = kTile / kPerThread;

// A staged k-step of an operand: tile[kk][i]. Loads walk kk across neighbouring threads; with
// rows of 64 words every row starts in bank 0, so those stores hit one bank up to 16 times (the
// emulator's profiler counted 16 wavefronts a request). Two words of padding move row kk to bank
// 2·kk: 16 rows of a warp's store land in distinct banks; the reads along i are unchanged.
constexpr int kTilePitch = kTile + 2;
template <class T>
using StagedTile = T[kStep][kTilePitch];

// acc[i][j] += Σ_kk a_tile[kk][ty + 16i] · b_tile[kk][tx + 16j]
template <class T>
__device__ inline void accumulate_tile_step(const StagedTile<T>& a_tile, const StagedTile<T>& b_tile, int tx, int ty,
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
