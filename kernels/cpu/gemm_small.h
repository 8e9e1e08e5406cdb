// C = A·B for products where one of m or k is small (<= kSmallGemmDim): the im2col GEMMs of
// layers with 1 or 3 channels (K or M = 16 or 48). Eigen packs both operands for every
// call, which such thin products cannot amortise; this kernel instead walks C in
// MR x NR register tiles (8 x 32 f32: sixteen 16-lane accumulators under AVX-512), reading
// each row of B once per tile row-block and broadcasting A's elements.
#pragma once

#include <algorithm>
#include <cstdint>

namespace ganforge::kernels::cpu {

constexpr int64_t kSmallGemmDim = 48;

// One MR x (2·lanes) tile of C (row stride ldc) from A (element (i, p) at a[i·a_row + p·a_col])
// and row-major B (row stride ldb), over the k dimension; writes (does not accumulate).
// The accumulators are GCC vector-extension values, so they stay in registers: 64-byte
// vectors are one AVX-512 register each (and are split correctly on narrower SIMD).
template <class T, int MR>
inline void small_gemm_tile(int64_t k, const T* a, int64_t a_row, int64_t a_col, const T* b, int64_t ldb, T* c,
                            int64_t ldc) {
  typedef T Vector __attribute__((vector_size(64)));
  constexpr int kLanes = 64 / sizeof(T);
  Vector sum[MR][2] = {};
  for (int64_t p = 0; p < k; ++p) {
    Vector b0, b1;
    __builtin_memcpy(&b0, b + p * ldb, sizeof(Vector));
    __builtin_memcpy(&b1, b + p * ldb + kLanes, sizeof(Vector));
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      const T av = a[i * a_row + p * a_col];
      sum[i][0] += av * b0;
      sum[i][1] += av * b1;
    }
  }
  for (int i = 0; i < MR; ++i) {
    __builtin_memcpy(c + i * ldc, &sum[i][0], sizeof(Vector));
    __builtin_memcpy(c + i * ldc + kLanes, &sum[i][1], sizeof(Vector));
  }
}

// Edge tiles (fewer than MR rows or NR columns), plain loops.
template <class T>
void small_gemm_edge(int64_t rows, int64_t cols, int64_t k, const T* a, int64_t a_row, int64_t a_col, const T* b,
                     int64_t ldb, T* c, int64_t ldc) {
  for (int64_t i = 0; i < rows; ++i) {
    T* crow = c + i * ldc;
    std::fill(crow, crow + cols, T(0));
    for (int64_t p = 0; p < k; ++p) {
      const T av = a[i * a_row + p * a_col];
      const T* brow = b + p * ldb;
      for (int64_t j = 0; j < cols; ++j) crow[j] += av * brow[j];
    }
  }
}

// C (m x n, row stride ldc) = A (m x k, strides a_row / a_col) · B (k x n, row-major, ldb).
template <class T>
void small_gemm(int64_t m, int64_t n, int64_t k, const T* a, int64_t a_row, int64_t a_col, const T* b, int64_t ldb,
                T* c, int64_t ldc) {
  constexpr int MR = 8, NR = 2 * 64 / sizeof(T);  // 16 accumulators: 8 rows x two vectors of columns
  const int64_t full_rows = m / MR * MR, full_cols = n / NR * NR;
  for (int64_t i = 0; i < full_rows; i += MR) {
    for (int64_t j = 0; j < full_cols; j += NR)
      small_gemm_tile<T, MR>(k, a + i * a_row, a_row, a_col, b + j, ldb, c + i * ldc + j, ldc);
    if (full_cols < n)
      small_gemm_edge(MR, n - full_cols, k, a + i * a_row, a_row, a_col, b + full_cols, ldb, c + i * ldc + full_cols, ldc);
  }
  if (full_rows < m) small_gemm_edge(m - full_rows, n, k, a + full_rows * a_row, a_row, a_col, b, ldb, c + full_rows * ldc, ldc);
}

}  // namespace ganforge::kernels::cpu
