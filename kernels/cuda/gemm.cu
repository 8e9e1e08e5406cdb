// GEMM of the cuda / cuda-sim backend (no cuBLAS: cuBLAS is the yardstick, not the code).
//
// - gemm_tiled_shared: C tile of 64x64 per block of 256 threads, each thread 4x4 outputs
//   (tile_mma.h, the inner product it shares with the convolutions). A 64x16 tile of A
//   (stored transposed, k-major) and a 16x64 tile of B are staged in shared memory per step
//   of k, with zero padding at the edges, so any m, n, k and any strides (transposed,
//   broadcast batch) work. One batch matrix per blockIdx.z.
//   Accumulates in the element type (float for f32: the error bound k·u·Σ|a||b| stays within
//   the consistency tolerance), int64 for integers.
// - gemm_tensor_core (f32 in the tf32 and bf16 math modes): the same tiles on the tensor cores
//   (tensor_core_tile.h), one batch matrix per blockIdx.z.
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/tensor_core_tile.h"
#include "kernels/cuda/tile_mma.h"
#include "kernels/math_mode.h"

namespace ganforge::kernels::GANFORGE_CUDA_NS {
namespace {


template <class T>
struct GemmParams {
  int64_t m, n, k;
  const T* a;
  const T* b;
  T* c;
  int64_t a_batch, a_row, a_col, b_batch, b_row, b_col, c_batch, c_row, c_col;
  T alpha, beta;
};

template <class T>
__global__ void gemm_tiled_shared(GemmParams<T> p) {
  __shared__ StagedTile<T> a_tile;  // a_tile[kk][i] = A(m0 + i, k0 + kk)
  __shared__ StagedTile<T> b_tile;  // b_tile[kk][j] = B(k0 + kk, n0 + j)
  const int64_t m0 = int64_t{blockIdx.y} * kTile, n0 = int64_t{blockIdx.x} * kTile, batch = blockIdx.z;
  const T* a = p.a + batch * p.a_batch;
  const T* b = p.b + batch * p.b_batch;
  T* c = p.c + batch * p.c_batch;
  const int tx = threadIdx.x % kThreadsPerSide, ty = threadIdx.x / kThreadsPerSide;
  T acc[kPerThread][kPerThread] = {};
  for (int64_t k0 = 0; k0 < p.k; k0 += kStep) {
    for (int e = threadIdx.x; e < kTile * kStep; e += blockDim.x) {
      const int i = e / kStep, kk = e % kStep;  // consecutive threads walk k: contiguous in row-major A
      const int64_t row = m0 + i, col = k0 + kk;
      a_tile[kk][i] = row < p.m && col < p.k ? a[row * p.a_row + col * p.a_col] : T(0);
    }
    for (int e = threadIdx.x; e < kTile * kStep; e += blockDim.x) {
      const int kk = e / kTile, j = e % kTile;  // consecutive threads walk n: contiguous in row-major B
      const int64_t row = k0 + kk, col = n0 + j;
      b_tile[kk][j] = row < p.k && col < p.n ? b[row * p.b_row + col * p.b_col] : T(0);
    }
    __syncthreads();
    accumulate_tile_step(a_tile, b_tile, tx, ty, acc);
    __syncthreads();
  }
  for (int i = 0; i < kPerThread; ++i)
    for (int j = 0; j < kPerThread; ++j) {
      const int64_t row = m0 + ty + kThreadsPerSide * i, col = n0 + tx + kThreadsPerSide * j;
      if (row >= p.m || col >= p.n) continue;
      T& out = c[row * p.c_row + col * p.c_col];
      out = p.beta != T(0) ? p.alpha * acc[i][j] + p.beta * out : p.alpha * acc[i][j];  // beta 0: C is not read
    }
}

// tensor_core_tile's operands for one batch matrix: A(r, k) at a + r·a_row + k·a_col, and
// B(k, c) at b + k·b_row + c·b_col (a "column" is its offset).
struct StridedRows {
  const float* data;
  int64_t row_stride, col_stride;
  __device__ int64_t offset(int64_t r, int64_t k) const { return r * row_stride + k * col_stride; }
};
struct StridedColumns {
  const float* data;
  int64_t row_stride, col_stride;
  using Column = int64_t;
  __device__ Column column(int64_t c) const { return c * col_stride; }
  __device__ const float* address(int64_t k, Column c) const { return data + k * row_stride + c; }
};

template <class Math, bool kVectorA>
__global__ void gemm_tensor_core(GemmParams<float> p) {
  const int64_t batch = blockIdx.z;
  const StridedRows a{p.a + batch * p.a_batch, p.a_row, p.a_col};
  const StridedColumns b{p.b + batch * p.b_batch, p.b_row, p.b_col};
  float* c = p.c + batch * p.c_batch;
  tensor_core_tile<Math, kVectorA>(a, b, p.m, p.n, int64_t{blockIdx.y} * kMmaTile, int64_t{blockIdx.x} * kMmaTile, 0, p.k,
                                   [&](int64_t row, int64_t col, float v) {
                                     float& out = c[row * p.c_row + col * p.c_col];
                                     out = p.beta != 0 ? p.alpha * v + p.beta * out : p.alpha * v;
                                   });
}

// A's rows can be copied 16 bytes at a time: contiguous along k, every run of 4 aligned.
bool rows_vectorizable(const GemmParams<float>& p) {
  return p.a_col == 1 && p.a_row % 4 == 0 && p.a_batch % 4 == 0 && p.k % 4 == 0 &&
         reinterpret_cast<uintptr_t>(p.a) % 16 == 0;
}

template <class Math>
void launch_tensor_core(const GemmParams<float>& p, dim3 grid) {
  require_tensor_cores();
  launch(rows_vectorizable(p) ? gemm_tensor_core<Math, true> : gemm_tensor_core<Math, false>, grid, dim3(kMmaThreads), 0,
         nullptr, p);
}

template <class T>
void gemm_typed(const GemmDesc& g) {
  GemmParams<T> p{g.m, g.n, g.k, static_cast<const T*>(g.a.data), static_cast<const T*>(g.b.data), static_cast<T*>(g.c.data),
                  g.a.batch_stride, g.a.row_stride, g.a.col_stride, g.b.batch_stride, g.b.row_stride, g.b.col_stride,
                  g.c.batch_stride, g.c.row_stride, g.c.col_stride, static_cast<T>(g.alpha), static_cast<T>(g.beta)};
  const dim3 grid(static_cast<unsigned>((g.n + kTile - 1) / kTile), static_cast<unsigned>((g.m + kTile - 1) / kTile),
                  static_cast<unsigned>(g.batch));
  static_assert(kMmaTile == kTile, "one grid for both kernels");
  if constexpr (std::is_same_v<T, float>) {
    const MathMode math = current_math();
    if (math == MathMode::Tf32) return launch_tensor_core<Tf32>(p, grid);
    if (math == MathMode::Bf16) return launch_tensor_core<Bf16>(p, grid);
  }
  launch(gemm_tiled_shared<T>, grid, dim3(kThreadsPerSide * kThreadsPerSide), 0, nullptr, p);
}

}  // namespace

void CudaBackend::gemm(const GemmDesc& g) {
  if (g.batch > 65535) throw std::invalid_argument("cuda gemm: batch " + std::to_string(g.batch) + " exceeds 65535");
  dispatch_dtype(g.dtype, [&](auto type) { gemm_typed<decltype(type)>(g); });
}

}  // namespace ganforge::kernels::GANFORGE_CUDA_NS
