// The tensor-core main loop shared by the implicit-GEMM convolutions (conv.cu) and the GEMM
// (gemm.cu) in the tf32 and bf16 math modes (kernels/math_mode.h): a 64x64 output tile per
// block of 4 warps, each warp a 32x32 quarter as 2 x 4 mma tiles of 16x8, f32 accumulators in
// registers (32 a thread).
//
// The operands stay f32 in memory and in shared memory; they are rounded to TF32 / BF16 when a
// warp loads its fragments (cvt.rna.tf32, or a round-to-nearest-even bf16 pair), as cuDNN's
// TF32 mode does. Per step of 16 along K, A's 64x16 tile (rows of k: a_tile[i][kk]) and B's
// 16x64 tile (b_tile[kk][j]) are copied with cp.async into one of kStages buffers, so the copies
// of the next kStages - 1 steps are in flight while the tensor cores work on this one
// (commit groups, one per step). Elements outside the matrices (edges, padding, the end of a
// K slice) are written as zeros by plain stores; the barrier before a stage is read covers both.
//
// Shared-memory pitches (in floats) keep the fragment loads free of bank conflicts:
//  - tf32 A fragments come from ldmatrix.x4 on 16-byte rows (4 floats: an 8x8 b16 matrix is an
//    8x4 f32 one, so a lane receives exactly element (g, t)); 8 rows 20 floats apart start in
//    16-byte bank groups 0, 5, 2, 7, 4, 1, 6, 3: all distinct. B's elements (t, g) and (t+4, g),
//    72 floats a row: banks 8t + g, distinct over the warp.
//  - bf16 A fragments are float2 pairs (g, 2t..2t+1) read a half warp at a time: 24 floats a row
//    puts rows g = 0..3 in banks 0, 24, 16, 8 (+2t): distinct. B's pairs (2t, g), (2t+1, g),
//    68 floats a row: banks 8t + g and 8t + 4 + g.
// B's tile is stored k-major so that its copies, a warp along 32 neighbouring columns, write
// 32 neighbouring words. The finished tile leaves through shared memory too (MmaShared), so that
// its stores coalesce as the FP32 tile's do.
#pragma once

#include <string>
#include <type_traits>

#include "kernels/cuda/device.h"
#include "kernels/cuda/tensor_core.h"

namespace ganforge::kernels::GANFORGE_CUDA_NS {

constexpr int kMmaTile = 64, kMmaStep = 16, kMmaStages = 3, kMmaWarps = 4, kMmaThreads = kMmaWarps * 32;
constexpr int kWarpTile = 32, kWarpRows = kWarpTile / 16, kWarpColumns = kWarpTile / 8;  // mma tiles per warp

// Before the first tensor-core launch: the GPU must have sm_80's mma.sync, ldmatrix and cp.async
// (the emulator has them all).
inline void require_tensor_cores() {
#if defined(__CUDACC__)
  static const int major = [] {
    int device = 0, value = 0;
    check_cuda(cudaGetDevice(&device), "cudaGetDevice");
    check_cuda(cudaDeviceGetAttribute(&value, cudaDevAttrComputeCapabilityMajor, device), "cudaDeviceGetAttribute");
    return value;
  }();
  if (major < 8)
    throw std::runtime_error(
        "math modes tf32 and bf16 need tensor cores of compute capability 8.0 or newer; this GPU's is " +
        std::to_string(major) + ".x: use --math fp32");
#endif
}

// The two math modes as kernel template arguments (named in profiles and ptxas reports).
// kCopyRows: the rows of A's tile that a quarter warp's 16-byte copies cover (8 / kCopyRows
// chunks of each), chosen so that they land in 8 distinct 16-byte bank groups: at 20 floats a
// row, 8 rows of one chunk (groups 5r mod 8); at 24, 4 rows of 2 chunks (6r + c mod 8).
struct Tf32 {
  static constexpr int kAPitch = 20, kBPitch = 72, kCopyRows = 8;
};
struct Bf16 {
  static constexpr int kAPitch = 24, kBPitch = 68, kCopyRows = 4;
};

template <class Math>
struct MmaStages {
  alignas(16) float a[kMmaStages][kMmaTile][Math::kAPitch];  // a[s][i][kk] = A(m0 + i, k0 + kk)
  alignas(16) float b[kMmaStages][kMmaStep][Math::kBPitch];  // b[s][kk][j] = B(k0 + kk, n0 + j)
};

// The finished tile goes through shared memory (the stages' space, no longer needed) so that a
// warp stores 32 neighbouring columns of a row: stored from the accumulators, a warp's 32 values
// are 8 rows x 4 columns 2 apart, 8 sectors for 4 sectors' worth. Each lane writes its (c0, c1)
// and (c2, c3) pairs as float2, half a warp a pass: at 72 floats a row, rows g = 0..3 start in
// banks 0, 8, 16, 24, and 2t adds 0..6: 32 distinct banks.
constexpr int kOutPitch = 72;
template <class Math>
union MmaShared {
  MmaStages<Math> stages;
  float out[kMmaTile][kOutPitch];
};

// Copies step k0's tiles into stage `s`: A (4 floats a copy when kVectorA: its rows are
// contiguous along K in runs of 4 at aligned addresses, see SegmentedMatrix), and B from the
// gather, whose column this thread decoded once (b_col; a warp takes 32 neighbouring ones).
template <bool kVectorA, class Math, class AMatrix, class Gather>
__device__ void copy_stage(MmaStages<Math>& smem, int s, const AMatrix& a, const Gather& b,
                           const typename Gather::Column& column, bool column_valid, int64_t m0, int64_t m, int64_t k0,
                           int64_t k_end) {
  if constexpr (kVectorA) {
    // Copy e: 8 rows x 4 chunks a warp (e / 32), each quarter warp (e / 8 % 4) kCopyRows rows x
    // kChunks chunks: a warp's reads are whole 64-byte row segments, its writes conflict-free.
    constexpr int per_row = kMmaStep / 4, kChunks = 8 / Math::kCopyRows, kGroups = per_row / kChunks;
    for (int e = threadIdx.x; e < kMmaTile * per_row; e += kMmaThreads) {
      const int quarter = e / 8 % 4, p = e % 8;
      const int i = 8 * (e / 32) + Math::kCopyRows * (quarter / kGroups) + p % Math::kCopyRows;
      const int kk = 4 * (kChunks * (quarter % kGroups) + p / Math::kCopyRows);
      float* destination = &smem.a[s][i][kk];
      if (m0 + i < m && k0 + kk < k_end)
        cp_async_copy(destination, a.data + a.offset(m0 + i, k0 + kk), 16);
      else
        *reinterpret_cast<float4*>(destination) = float4{0, 0, 0, 0};
    }
  } else {
    for (int e = threadIdx.x; e < kMmaTile * kMmaStep; e += kMmaThreads) {
      const int i = e / kMmaStep, kk = e % kMmaStep;
      float* destination = &smem.a[s][i][kk];
      if (m0 + i < m && k0 + kk < k_end)
        cp_async_copy(destination, a.data + a.offset(m0 + i, k0 + kk), 4);
      else
        *destination = 0;
    }
  }
  const int b_col = threadIdx.x % kMmaTile;
  for (int kk = threadIdx.x / kMmaTile; kk < kMmaStep; kk += kMmaThreads / kMmaTile) {
    const float* source = column_valid && k0 + kk < k_end ? b.address(k0 + kk, column) : nullptr;
    float* destination = &smem.b[s][kk][b_col];
    if (source != nullptr)
      cp_async_copy(destination, source, 4);
    else
      *destination = 0;
  }
}

// acc[i][j] += this warp's 32x32 part of A(stage s) · B(stage s), a 16-deep step.
template <class Math>
__device__ void mma_stage(const MmaStages<Math>& smem, int s, int row0, int col0,
                          float (&acc)[kWarpRows][kWarpColumns][4]) {
  const int lane = threadIdx.x % 32, g = lane / 4, t = lane % 4;
  if constexpr (std::is_same_v<Math, Tf32>) {
    GANFORGE_UNROLL
    for (int k8 = 0; k8 < kMmaStep; k8 += 8) {
      uint32_t a[kWarpRows][4], b[kWarpColumns][2];
      GANFORGE_UNROLL
      for (int i = 0; i < kWarpRows; ++i) {
        // lanes 8q..8q+7 name the rows of matrix q: rows +8 for q odd, k +4 for q >= 2
        const int q = lane / 8;
        ldmatrix_sync<4>(a[i], &smem.a[s][row0 + 16 * i + lane % 8 + 8 * (q % 2)][k8 + 4 * (q / 2)]);
        GANFORGE_UNROLL
        for (uint32_t& r : a[i]) r = cvt_rna_tf32(__uint_as_float(r));
      }
      GANFORGE_UNROLL
      for (int j = 0; j < kWarpColumns; ++j) {
        const int col = col0 + 8 * j + g;
        b[j][0] = cvt_rna_tf32(smem.b[s][k8 + t][col]);
        b[j][1] = cvt_rna_tf32(smem.b[s][k8 + t + 4][col]);
      }
      GANFORGE_UNROLL
      for (int i = 0; i < kWarpRows; ++i) {
        GANFORGE_UNROLL
        for (int j = 0; j < kWarpColumns; ++j) mma_sync_m16n8k8_tf32(acc[i][j], a[i], b[j], acc[i][j]);
      }
    }
  } else {
    uint32_t a[kWarpRows][4], b[kWarpColumns][2];
    GANFORGE_UNROLL
    for (int i = 0; i < kWarpRows; ++i) {
      GANFORGE_UNROLL
      for (int r = 0; r < 4; ++r) {  // a0 (g, 2t..), a1 (g+8, 2t..), a2 (g, 2t+8..), a3 (g+8, 2t+8..)
        const float2 pair =
            *reinterpret_cast<const float2*>(&smem.a[s][row0 + 16 * i + g + 8 * (r % 2)][2 * t + 8 * (r / 2)]);
        a[i][r] = pack_bf16x2(pair.x, pair.y);
      }
    }
    GANFORGE_UNROLL
    for (int j = 0; j < kWarpColumns; ++j) {
      const int col = col0 + 8 * j + g;
      b[j][0] = pack_bf16x2(smem.b[s][2 * t][col], smem.b[s][2 * t + 1][col]);
      b[j][1] = pack_bf16x2(smem.b[s][2 * t + 8][col], smem.b[s][2 * t + 9][col]);
    }
    GANFORGE_UNROLL
    for (int i = 0; i < kWarpRows; ++i) {
      GANFORGE_UNROLL
      for (int j = 0; j < kWarpColumns; ++j) mma_sync_m16n8k16_bf16(acc[i][j], a[i], b[j], acc[i][j]);
    }
  }
}

// The block's 64x64 tile at (m0, n0) of A (m x k, element (r, k) at a.data + a.offset(r, k))
// times B (k x n, element (k, c) at b.address(k, b.column(c)), nullptr for a zero) over
// [k_begin, k_end); each result goes to store(r, c, value). All 128 threads must call it.
template <class Math, bool kVectorA, class AMatrix, class Gather, class Store>
__device__ void tensor_core_tile(const AMatrix& a, const Gather& b, int64_t m, int64_t n, int64_t m0, int64_t n0,
                                 int64_t k_begin, int64_t k_end, const Store& store) {
  __shared__ MmaShared<Math> shared;
  MmaStages<Math>& smem = shared.stages;
  const int64_t b_col = n0 + threadIdx.x % kMmaTile;
  const bool column_valid = b_col < n;
  const typename Gather::Column column = b.column(column_valid ? b_col : 0);
  const int warp = threadIdx.x / 32, row0 = kWarpTile * (warp / 2), col0 = kWarpTile * (warp % 2);
  float acc[kWarpRows][kWarpColumns][4] = {};
  const int64_t steps = (k_end - k_begin + kMmaStep - 1) / kMmaStep;
  for (int s = 0; s < kMmaStages - 1; ++s) {
    if (s < steps)
      copy_stage<kVectorA>(smem, s, a, b, column, column_valid, m0, m, k_begin + int64_t{kMmaStep} * s, k_end);
    cp_async_commit();
  }
  for (int64_t step = 0; step < steps; ++step) {
    cp_async_wait(kMmaStages - 2);  // this thread's copies of `step` have landed...
    __syncthreads();                // ...and everyone's; and no warp still reads the stage refilled next
    if (const int64_t next = step + kMmaStages - 1; next < steps)
      copy_stage<kVectorA>(smem, static_cast<int>(next % kMmaStages), a, b, column, column_valid, m0, m,
                           k_begin + int64_t{kMmaStep} * next, k_end);
    cp_async_commit();
    mma_stage(smem, static_cast<int>(step % kMmaStages), row0, col0, acc);
  }
  cp_async_wait(0);
  __syncthreads();  // every warp is done with the stages: the output tile takes their place
  const int lane = threadIdx.x % 32, g = lane / 4, t = lane % 4;
  GANFORGE_UNROLL
  for (int i = 0; i < kWarpRows; ++i) {
    GANFORGE_UNROLL
    for (int j = 0; j < kWarpColumns; ++j) {  // c0 (g, 2t), c1 (g, 2t+1), c2 (g+8, 2t), c3 (g+8, 2t+1)
      const int row = row0 + 16 * i + g, col = col0 + 8 * j + 2 * t;
      *reinterpret_cast<float2*>(&shared.out[row][col]) = float2{acc[i][j][0], acc[i][j][1]};
      *reinterpret_cast<float2*>(&shared.out[row + 8][col]) = float2{acc[i][j][2], acc[i][j][3]};
    }
  }
  __syncthreads();
  for (int e = threadIdx.x; e < kMmaTile * kMmaTile; e += kMmaThreads) {
    const int r = e / kMmaTile, c = e % kMmaTile;
    if (m0 + r < m && n0 + c < n) store(m0 + r, n0 + c, shared.out[r][c]);
  }
}

}  // namespace ganforge::kernels::GANFORGE_CUDA_NS
