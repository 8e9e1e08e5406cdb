// Matrix products as dot products along k, for the shapes where packing panels costs more
// than it saves: C = A·Bᵀ with both operands' rows running along k (the convolution weight
// gradient's DY · colsᵀ) when the product is small, and products with one column of C.
// dot_tiles computes R x R elements of C at once, one vector accumulator each: per vector
// step of k it loads R vectors of A's rows and R of B's and issues R² FMAs, then sums each
// accumulator's lanes. No operand is copied.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>

#include "kernels/cpu/vector_masked.h"

namespace ganforge::kernels::cpu {

// The sum of v's lanes (for the scalar dot product's few accumulators).
template <class T>
T lane_sum(const Vector64<T>& v) {
  T sum = 0;
  for (int64_t l = 0; l < kVectorLanes<T>; ++l) sum += v[l];
  return sum;
}

// One level of lane_sums: lane d of the result takes, from lane group s = d / h of x (the
// first L / g groups) or of y (the rest), element d % h of its low or high half.
constexpr int fold_source(int lanes, int g, bool high, int d) {
  const int h = g / 2, group = d / h, from_y = group >= lanes / g, s = group % (lanes / g);
  return s * g + d % h + (high ? h : 0) + (from_y ? lanes : 0);
}

template <int g, class Vector, size_t... d>
void fold_halves(const Vector& x, const Vector& y, Vector& out, std::index_sequence<d...>) {
  constexpr int L = sizeof...(d);
  const Vector sum = __builtin_shufflevector(x, y, fold_source(L, g, false, d)...) +
                     __builtin_shufflevector(x, y, fold_source(L, g, true, d)...);
  out = sum;  // out may be x
}

// Replaces N vectors (N a multiple of the lane count L) by N / L vectors of their lane sums:
// lane l of result v is the sum of input v·L + l. Each level adds the two halves of every
// lane group of a pair of vectors (as in a transposition), so the 16 sums of 16 vectors cost
// 30 shuffles and 15 adds; a chain of adds per vector took longer than the dot products.
template <int g, class T, size_t N>
void lane_sums(Vector64<T> (&v)[N], size_t count = N) {
  if constexpr (g > 1) {
    for (size_t i = 0; i < count / 2; ++i)
      fold_halves<g>(v[2 * i], v[2 * i + 1], v[i], std::make_index_sequence<kVectorLanes<T>>{});
    lane_sums<g / 2, T>(v, count / 2);
  }
}

// Σ_p a[p·a_step]·x[p·x_step] over p < k, in four vectors of lanes when both are contiguous.
template <class T>
T dot(int64_t k, const T* a, int64_t a_step, const T* x, int64_t x_step) {
  using Vector = Vector64<T>;
  constexpr int64_t kLanes = kVectorLanes<T>;
  T sum = 0;
  int64_t p = 0;
  if (a_step == 1 && x_step == 1) {
    Vector lanes[4] = {};
    for (; p + 4 * kLanes <= k; p += 4 * kLanes)
      for (int v = 0; v < 4; ++v) {
        Vector av, xv;
        __builtin_memcpy(&av, a + p + v * kLanes, sizeof(Vector));
        __builtin_memcpy(&xv, x + p + v * kLanes, sizeof(Vector));
        lanes[v] += av * xv;
      }
    for (const Vector& v : lanes) sum += lane_sum<T>(v);
  }
  for (; p < k; ++p) sum += a[p * a_step] * x[p * x_step];
  return sum;
}

// Calls store(i, j, Σ_p a[i·lda + p]·b[j·ldb + p]) for every i < m, j < n (float or double).
template <class T, class Store>
void dot_tiles(int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, const T* b, int64_t ldb, Store&& store) {
  using Vector = Vector64<T>;
  constexpr int64_t kLanes = kVectorLanes<T>;
  constexpr int R = 4;  // 16 accumulators
  for (int64_t i0 = 0; i0 < m; i0 += R)
    for (int64_t j0 = 0; j0 < n; j0 += R) {
      const T* a_row[R];
      const T* b_row[R];
      for (int r = 0; r < R; ++r) {  // past the edge, repeat the last row (its sums are not stored)
        a_row[r] = a + std::min<int64_t>(i0 + r, m - 1) * lda;
        b_row[r] = b + std::min<int64_t>(j0 + r, n - 1) * ldb;
      }
      Vector sum[R][R] = {};
      for (int64_t p = 0; p < k; p += kLanes) {
        const int64_t count = std::min(kLanes, k - p);
        Vector av[R], bv[R];
        for (int r = 0; r < R; ++r) {
          load_first(av[r], a_row[r] + p, count);
          load_first(bv[r], b_row[r] + p, count);
        }
        for (int r = 0; r < R; ++r)
          for (int q = 0; q < R; ++q) sum[r][q] += av[r] * bv[q];
      }
      Vector (&flat)[R * R] = reinterpret_cast<Vector (&)[R * R]>(sum);
      lane_sums<kLanes, T>(flat);
      for (int r = 0; r < R && i0 + r < m; ++r)
        for (int q = 0; q < R && j0 + q < n; ++q) store(i0 + r, j0 + q, flat[(r * R + q) / kLanes][(r * R + q) % kLanes]);
    }
}

}  // namespace ganforge::kernels::cpu
