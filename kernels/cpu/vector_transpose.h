// A square block of 64-byte vectors transposed in registers (16 x 16 floats, 8 x 8 doubles):
// the GEMM's packing turns operands whose rows run along k (a weight gradient's columns, a
// row-major weight as A) into panels that run across it, and element by element that
// transposition cost a sixth of a weight-gradient convolution.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

#include "kernels/cpu/vector_masked.h"

namespace ganforge::kernels::cpu {

// One stage of the transpose: for rows r, r + d (r without bit d) it swaps the d-wide block of
// lanes of row r that have bit d set with the one of row r + d that has it clear. After the
// stages d = lanes/2, ..., 2, 1 every row and lane index has had each bit swapped: transposed.
template <int kDistance, class V, size_t... kLane>
inline void transpose_stage(V& low, V& high, std::index_sequence<kLane...>) {
  constexpr int kLanes = sizeof...(kLane);
  const V a = low, b = high;
  low = __builtin_shufflevector(a, b, ((kLane & kDistance) ? kLanes + kLane - kDistance : kLane)...);
  high = __builtin_shufflevector(a, b, ((kLane & kDistance) ? kLanes + kLane : kLane + kDistance)...);
}

template <class T, int kDistance = kVectorLanes<T> / 2>
inline void transpose_square(Vector64<T> (&rows)[kVectorLanes<T>]) {
  constexpr int kLanes = static_cast<int>(kVectorLanes<T>);
  for (int r = 0; r < kLanes; ++r)
    if ((r & kDistance) == 0)
      transpose_stage<kDistance>(rows[r], rows[r + kDistance], std::make_index_sequence<kLanes>{});
  if constexpr (kDistance > 1) transpose_square<T, kDistance / 2>(rows);
}

}  // namespace ganforge::kernels::cpu
