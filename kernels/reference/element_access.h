// Reading and writing one element of any dtype, at a multi-index or (for the contiguous
// operands of the layer primitives) at a flat offset: the reference backend's only way to
// touch memory.
#pragma once

#include <cstdint>

#include "kernels/backend.h"

namespace ganforge::kernels::reference {

inline int64_t offset_of(const TensorDesc& t, const int64_t* index) {
  int64_t offset = 0;
  for (int d = 0; d < t.ndim; ++d) offset += index[d] * t.strides[d];
  return offset;
}

inline double load(const TensorDesc& t, const int64_t* index) {
  int64_t o = offset_of(t, index);
  switch (t.dtype) {
    case DType::F32: return static_cast<const float*>(t.data)[o];
    case DType::F64: return static_cast<const double*>(t.data)[o];
    case DType::I64: return static_cast<double>(static_cast<const int64_t*>(t.data)[o]);
  }
  return 0;
}

inline int64_t load_int(const TensorDesc& t, const int64_t* index) {
  int64_t o = offset_of(t, index);
  if (t.dtype == DType::I64) return static_cast<const int64_t*>(t.data)[o];
  return static_cast<int64_t>(load(t, index));
}

inline void store(const TensorDesc& t, const int64_t* index, double value) {
  int64_t o = offset_of(t, index);
  switch (t.dtype) {
    case DType::F32: static_cast<float*>(t.data)[o] = static_cast<float>(value); break;
    case DType::F64: static_cast<double*>(t.data)[o] = value; break;
    case DType::I64: static_cast<int64_t*>(t.data)[o] = static_cast<int64_t>(value); break;
  }
}

inline void store_int(const TensorDesc& t, const int64_t* index, int64_t value) {
  if (t.dtype == DType::I64)
    static_cast<int64_t*>(t.data)[offset_of(t, index)] = value;
  else
    store(t, index, static_cast<double>(value));
}

// The element at offset i of a contiguous f32 or f64 tensor, as a double.
inline double get(const TensorDesc& t, int64_t i) {
  return t.dtype == DType::F32 ? static_cast<const float*>(t.data)[i] : static_cast<const double*>(t.data)[i];
}

inline void put(const TensorDesc& t, int64_t i, double v) {
  if (t.dtype == DType::F32)
    static_cast<float*>(t.data)[i] = static_cast<float>(v);
  else
    static_cast<double*>(t.data)[i] = v;
}

// Calls f(index) for every multi-index of t's shape, in row-major order.
template <class F>
void for_each_index(const TensorDesc& t, F&& f) {
  if (t.numel() == 0) return;
  int64_t index[kMaxDims] = {};
  while (true) {
    f(static_cast<const int64_t*>(index));
    int d = t.ndim - 1;
    for (; d >= 0; --d) {
      if (++index[d] < t.shape[d]) break;
      index[d] = 0;
    }
    if (d < 0) return;
  }
}

}  // namespace ganforge::kernels::reference
