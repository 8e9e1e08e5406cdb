// Walks an N-d index space shared by several strided operands, one row (the innermost dim)
// at a time. Both CPU backends use it, so kernels only write the inner loop.
//
// Dims are first coalesced: two neighbouring dims merge when every operand steps over the
// outer one exactly as far as over a whole inner row, so a contiguous tensor becomes a
// single long row and broadcast dims stay separate (stride 0).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>

#include "kernels/backend.h"

namespace ganforge::kernels {

template <int N>
class StridedLoop {
 public:
  // All operands must have operands[0]'s shape.
  explicit StridedLoop(const std::array<const TensorDesc*, N>& operands) {
    const TensorDesc& first = *operands[0];
    ndim_ = 0;
    for (int d = 0; d < first.ndim; ++d) {
      if (first.shape[d] == 1) continue;  // size-1 dims contribute nothing
      bool merge = ndim_ > 0;
      for (int o = 0; o < N && merge; ++o)
        merge = operands[o]->strides[d] * first.shape[d] == strides_[o][ndim_ - 1];
      if (merge) {
        shape_[ndim_ - 1] *= first.shape[d];
        for (int o = 0; o < N; ++o) strides_[o][ndim_ - 1] = operands[o]->strides[d];
      } else {
        shape_[ndim_] = first.shape[d];
        for (int o = 0; o < N; ++o) strides_[o][ndim_] = operands[o]->strides[d];
        ++ndim_;
      }
    }
    empty_ = first.numel() == 0;
    if (ndim_ == 0) {  // a scalar, or all dims of size 1: one row of one element
      shape_[0] = 1;
      for (int o = 0; o < N; ++o) strides_[o][0] = 0;
      ndim_ = 1;
    }
  }

  int64_t rows() const {
    if (empty_) return 0;
    int64_t r = 1;
    for (int d = 0; d + 1 < ndim_; ++d) r *= shape_[d];
    return r;
  }
  int64_t row_length() const { return shape_[ndim_ - 1]; }
  int64_t inner_stride(int operand) const { return strides_[operand][ndim_ - 1]; }
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
    for (int d = ndim_ - 2; d >= 0; --d) {
      index[d] = rest % shape_[d];
      rest /= shape_[d];
      for (int o = 0; o < N; ++o) offsets[o] += index[d] * strides_[o][d];
    }
    for (int64_t position = begin; position < end;) {
      int64_t run = std::min(length - column, end - position);
      std::array<int64_t, N> start = offsets;
      for (int o = 0; o < N; ++o) start[o] += column * strides_[o][ndim_ - 1];
      f(start, run);
      position += run;
      column = 0;
      // advance the multi-index of the outer dims like an odometer
      for (int d = ndim_ - 2; d >= 0; --d) {
        for (int o = 0; o < N; ++o) offsets[o] += strides_[o][d];
        if (++index[d] < shape_[d]) break;
        for (int o = 0; o < N; ++o) offsets[o] -= shape_[d] * strides_[o][d];
        index[d] = 0;
      }
    }
  }

 private:
  int ndim_ = 0;
  bool empty_ = false;
  int64_t shape_[kMaxDims] = {};
  int64_t strides_[N][kMaxDims] = {};
};

}  // namespace ganforge::kernels
