// Elementwise loops of the cpu backend: out[i] = f(inputs[i]...) over operands that share a
// shape, split over threads, with a separate unit-stride loop that g++ vectorises.
#pragma once

#include <array>
#include <cstdint>

#include "kernels/common/dtype_dispatch.h"
#include "kernels/cpu/parallel.h"
#include "kernels/cpu/strided_loop.h"

namespace ganforge::kernels::cpu {

// Calls body(offsets, strides, n) for runs of n consecutive elements, split over threads:
// offsets[o] is where operand o's run starts and strides[o] its step within the run.
template <int N, class Body>
void for_each_run(const std::array<const TensorDesc*, N>& operands, Body&& body) {
  StridedLoop<N> loop(operands);
  std::array<int64_t, N> strides;
  for (int o = 0; o < N; ++o) strides[o] = loop.inner_stride(o);
  parallel_for(loop.size(), 1, [&](int64_t begin, int64_t end) {
    loop.for_elements(begin, end, [&](const std::array<int64_t, N>& offsets, int64_t n) { body(offsets, strides, n); });
  });
}

template <class TOut, class TIn, class F>
void map1(const TensorDesc& out, const TensorDesc& in, F f) {
  TOut* o = typed<TOut>(out);
  const TIn* x = typed<const TIn>(in);
  for_each_run<2>({&out, &in}, [&](const auto& off, const auto& st, int64_t n) {
    TOut* po = o + off[0];
    const TIn* px = x + off[1];
    // A copy of f in a local: read through the reference, a captured value (leaky ReLU's
    // slope) might alias the output, so g++ reloaded it per element and did not vectorise.
    const F local = f;
    if (st[0] == 1 && st[1] == 1) {
      for (int64_t k = 0; k < n; ++k) po[k] = local(px[k]);
    } else {
      for (int64_t k = 0; k < n; ++k) po[k * st[0]] = local(px[k * st[1]]);
    }
  });
}

template <class T, class F>
void map2(const TensorDesc& out, const TensorDesc& a, const TensorDesc& b, F f) {
  T* o = typed<T>(out);
  const T* pa = typed<const T>(a);
  const T* pb = typed<const T>(b);
  for_each_run<3>({&out, &a, &b}, [&](const auto& off, const auto& st, int64_t n) {
    T* po = o + off[0];
    const T* x = pa + off[1];
    const T* y = pb + off[2];
    const F local = f;  // as in map1
    if (st[0] == 1 && st[1] == 1 && st[2] == 1) {
      for (int64_t k = 0; k < n; ++k) po[k] = local(x[k], y[k]);
    } else if (st[0] == 1 && st[1] == 1 && st[2] == 0) {  // tensor op broadcast scalar
      const T scalar = y[0];
      for (int64_t k = 0; k < n; ++k) po[k] = local(x[k], scalar);
    } else {
      for (int64_t k = 0; k < n; ++k) po[k * st[0]] = local(x[k * st[1]], y[k * st[2]]);
    }
  });
}

}  // namespace ganforge::kernels::cpu
