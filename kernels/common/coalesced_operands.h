// Up to N operands that share one shape, with their dims coalesced: size-1 dims are dropped and
// two neighbouring dims merge when every operand steps over the outer one exactly as far as
// over a whole inner row, so a contiguous tensor becomes one dim and broadcast dims (stride 0)
// stay separate. The cpu backend walks it in runs (kernels/cpu/strided_loop.h); cuda kernels
// take it by value and map a flat index to each operand's offset.
#pragma once

#include <cstdint>

#include "kernels/backend.h"
#include "kernels/common/host_device.h"

namespace ganforge::kernels {

template <int N>
struct CoalescedOperands {
  int ndim = 0;  // 0 for a tensor of one element
  int64_t shape[kMaxDims] = {};
  int64_t strides[N][kMaxDims] = {};

  // The element offset of each operand at row-major flat index `flat`.
  GANFORGE_HOST_DEVICE void offsets(int64_t flat, int64_t* off) const {
    for (int o = 0; o < N; ++o) off[o] = 0;
    for (int d = ndim - 1; d >= 0; --d) {
      const int64_t i = flat % shape[d];
      flat /= shape[d];
      for (int o = 0; o < N; ++o) off[o] += i * strides[o][d];
    }
  }
};

// descs[0 .. N-1] all have descs[0]'s shape.
template <int N>
CoalescedOperands<N> coalesce(const TensorDesc* const* descs) {
  CoalescedOperands<N> ops;
  const TensorDesc& first = *descs[0];
  for (int d = 0; d < first.ndim; ++d) {
    if (first.shape[d] == 1) continue;
    bool merge = ops.ndim > 0;
    for (int o = 0; o < N && merge; ++o) merge = descs[o]->strides[d] * first.shape[d] == ops.strides[o][ops.ndim - 1];
    if (merge) {
      ops.shape[ops.ndim - 1] *= first.shape[d];
      for (int o = 0; o < N; ++o) ops.strides[o][ops.ndim - 1] = descs[o]->strides[d];
    } else {
      ops.shape[ops.ndim] = first.shape[d];
      for (int o = 0; o < N; ++o) ops.strides[o][ops.ndim] = descs[o]->strides[d];
      ++ops.ndim;
    }
  }
  return ops;
}

}  // namespace ganforge::kernels
