// Walks an N-d index space shared by several strided operands, one row (the innermost dim of
// their coalesced form, kernels/common/coalesced_operands.h) at a time, so kernels only write
// the inner loop.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>

#include "kernels/common/coalesced_operands.h"

namespace ganforge::kernels {

template <int N>
class StridedLoop {
 public:
  // All operands must have operands[0]'s shape.
  explicit StridedLoop(const std::array<const TensorDesc*, N>& operands) : dims_(coalesce<N>(operands.data())) {
    empty_ = operands[0]->numel() == 0;
    if (dims_.ndim == 0) {  // a scalar, or all dims of size 1: one row of one element
      dims_.shape[0] = 1;
      for (int o = 0; o < N; ++o) dims_.strides[o][0] = 0;
      dims_.ndim = 1;
    }
  }

  int64_t rows() const {
    if (empty_) return 0;
    int64_t r = 1;
    for (int d = 0; d + 1 < dims_.ndim; ++d) r *= dims_.shape[d];
    return r;
  }
  int64_t row_length() const { return dims_.shape[dims_.ndim - 1]; }
  int64_t inner_stride(int operand) const { return dims_.strides[operand][dims_.ndim - 1]; }
  int64_t size() const { return rows() * row_length(); }

  // Calls f(offsets, length) for each run of consecutive elements in the flat (row-major)
  // range [begin, end): offsets[o] is the element offset of the run's first element in
  // operand o, and the run advances by inner_stride(o). Runs are whole rows except possibly
  // the first and last, so a range can be split anywhere (e.g. between threads).
  template <class F>
  void for_elements(int64_t begin, int64_t end, F&& f) const {
    if (begin >= end) return;
    const int64_t length = row_length();
    int64_t index[kMaxDims] = {};
    std::array<int64_t, N> offsets{};
    int64_t column = begin % length;
    int64_t rest = begin / length;
    for (int d = dims_.ndim - 2; d >= 0; --d) {
      index[d] = rest % dims_.shape[d];
      rest /= dims_.shape[d];
      for (int o = 0; o < N; ++o) offsets[o] += index[d] * dims_.strides[o][d];
    }
    for (int64_t position = begin; position < end;) {
      int64_t run = std::min(length - column, end - position);
      std::array<int64_t, N> start = offsets;
      for (int o = 0; o < N; ++o) start[o] += column * dims_.strides[o][dims_.ndim - 1];
      f(start, run);
      position += run;
      column = 0;
      // advance the multi-index of the outer dims like an odometer
      for (int d = dims_.ndim - 2; d >= 0; --d) {
        for (int o = 0; o < N; ++o) offsets[o] += dims_.strides[o][d];
        if (++index[d] < dims_.shape[d]) break;
        for (int o = 0; o < N; ++o) offsets[o] -= dims_.shape[d] * dims_.strides[o][d];
        index[d] = 0;
      }
    }
  }

 private:
  CoalescedOperands<N> dims_;
  bool empty_ = false;
};

}  // namespace ganforge::kernels
