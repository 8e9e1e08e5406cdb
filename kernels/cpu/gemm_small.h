// C = A·B for products where one of m or k is small (<= kSmallGemmDim): the im2col GEMMs of
// layers with 1 or 3 channels (K or M = 16 or 48). The packed GEMM copies both operands for
// every call, which such thin products cannot amortise; this kernel instead walks C in
// MR x NR register tiles (8 x 32 f32: sixteen 16-lane accumulators under AVX-512), reading
// each row of B once per tile row-block and broadcasting A's elements. The last tile of a
// row is masked rather than left to scalar code, so C can be a sample's output plane with
// its own row length (196 on the 14x14 MNIST maps) and B a sample's input, read in place.
#pragma once

#include <algorithm>
#include <cstdint>

#include "kernels/cpu/vector_masked.h"

namespace ganforge::kernels::cpu {

constexpr int64_t kSmallGemmDim = 48;

// One MR x (2·lanes) tile of C (row stride ldc) from A (element (i, p) at a[i·a_row + p·a_col])
// and row-major B (row stride ldb), over the k dimension; writes (does not accumulate).
// kFull: all 2·lanes columns; otherwise only the first `cols`, through masked loads/stores.
template <class T, int MR, bool kFull>
inline void small_gemm_tile(int64_t k, const T* a, int64_t a_row, int64_t a_col, const T* b, int64_t ldb, T* c,
                            int64_t ldc, int64_t cols) {
  using Vector = Vector64<T>;
  constexpr int64_t kLanes = kVectorLanes<T>;
  const int64_t cols0 = std::min(cols, kLanes), cols1 = std::max<int64_t>(cols - kLanes, 0);
  Vector sum[MR][2] = {};
  for (int64_t p = 0; p < k; ++p) {
    Vector b0, b1;
    if constexpr (kFull) {
      __builtin_memcpy(&b0, b + p * ldb, sizeof(Vector));
      __builtin_memcpy(&b1, b + p * ldb + kLanes, sizeof(Vector));
    } else {
      load_first(b0, b + p * ldb, cols0);
      load_first(b1, b + p * ldb + kLanes, cols1);
    }
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      const T av = a[i * a_row + p * a_col];
      sum[i][0] += av * b0;
      sum[i][1] += av * b1;
    }
  }
  for (int i = 0; i < MR; ++i) {
    if constexpr (kFull) {
      __builtin_memcpy(c + i * ldc, &sum[i][0], sizeof(Vector));
      __builtin_memcpy(c + i * ldc + kLanes, &sum[i][1], sizeof(Vector));
    } else {
      store_first(c + i * ldc, sum[i][0], cols0);
      store_first(c + i * ldc + kLanes, sum[i][1], cols1);
    }
  }
}

// MR full rows of C: full tiles, then one masked tile for the columns left.
template <class T, int MR>
void small_gemm_rows(int64_t n, int64_t k, const T* a, int64_t a_row, int64_t a_col, const T* b, int64_t ldb, T* c,
                     int64_t ldc) {
  constexpr int64_t NR = 2 * kVectorLanes<T>;
  const int64_t full_cols = n / NR * NR;
  for (int64_t j = 0; j < full_cols; j += NR)
    small_gemm_tile<T, MR, true>(k, a, a_row, a_col, b + j, ldb, c + j, ldc, NR);
  if (full_cols < n)
    small_gemm_tile<T, MR, false>(k, a, a_row, a_col, b + full_cols, ldb, c + full_cols, ldc, n - full_cols);
}

// C (m x n, row stride ldc) = A (m x k, strides a_row / a_col) · B (k x n, row-major, ldb).
// B's rows and C's are touched only within their n columns.
template <class T>
void small_gemm(int64_t m, int64_t n, int64_t k, const T* a, int64_t a_row, int64_t a_col, const T* b, int64_t ldb,
                T* c, int64_t ldc) {
  constexpr int MR = 8;  // 16 accumulators: 8 rows x two vectors of columns
  int64_t i = 0;
  for (; i + MR <= m; i += MR) small_gemm_rows<T, MR>(n, k, a + i * a_row, a_row, a_col, b, ldb, c + i * ldc, ldc);
  // the last m mod 8 rows as 4 + 2 + 1
  if (m - i >= 4) {
    small_gemm_rows<T, 4>(n, k, a + i * a_row, a_row, a_col, b, ldb, c + i * ldc, ldc);
    i += 4;
  }
  if (m - i >= 2) {
    small_gemm_rows<T, 2>(n, k, a + i * a_row, a_row, a_col, b, ldb, c + i * ldc, ldc);
    i += 2;
  }
  if (m - i >= 1) small_gemm_rows<T, 1>(n, k, a + i * a_row, a_row, a_col, b, ldb, c + i * ldc, ldc);
}

}  // namespace ganforge::kernels::cpu
