// cpu elementwise primitives. visit_op makes the op a compile-time constant, so each op gets
// its own loop with the formula (kernels/common/elementwise_formulas.h) folded into a
// branch-free, vectorisable body; math runs in the tensor's own type.
#include "kernels/common/elementwise_formulas.h"
#include "kernels/cpu/cpu_backend.h"
#include "kernels/cpu/map.h"

namespace ganforge::kernels {

using cpu::map1;
using cpu::map2;

namespace {

template <class T>
void unary_typed(UnaryOp op, const TensorDesc& out, const TensorDesc& in, ScalarParams p) {
  const T a = static_cast<T>(p.a), b = static_cast<T>(p.b);
  if (op == UnaryOp::Pow && p.a == 2) {  // squares: a constant exponent folds pow into x * x
    map1<T, T>(out, in, [](T x) { return unary_forward(UnaryOp::Pow, x, T(2), T(0)); });
    return;
  }
  visit_op(op, [&]<UnaryOp o>() { map1<T, T>(out, in, [a, b](T x) { return unary_forward(o, x, a, b); }); });
}

// Reads grad_out and, as backward_reads(op) says, x or y: the one operand is passed as both.
template <class T>
void unary_backward_typed(UnaryOp op, const TensorDesc& gi, const TensorDesc& go, const TensorDesc& x,
                          const TensorDesc& y, ScalarParams p) {
  const T a = static_cast<T>(p.a), b = static_cast<T>(p.b);
  visit_op(op, [&]<UnaryOp o>() {
    if constexpr (backward_reads(o) == Reads::Nothing)
      map1<T, T>(gi, go, [a, b](T g) { return unary_backward(o, g, g, g, a, b); });
    else
      map2<T>(gi, go, backward_reads(o) == Reads::Input ? x : y, [a, b](T g, T v) { return unary_backward(o, g, v, v, a, b); });
  });
}

// Writes the wanted partial derivatives times g. An absent grad is skipped: its operand slot
// reuses grad_out's layout so the strided walk stays the same.
template <class T>
void binary_backward_typed(BinaryOp op, const TensorDesc& grad_a, const TensorDesc& grad_b, const TensorDesc& grad_out,
                           const TensorDesc& a, const TensorDesc& b) {
  const bool want_a = grad_a.present(), want_b = grad_b.present();
  const TensorDesc& slot_a = want_a ? grad_a : grad_out;
  const TensorDesc& slot_b = want_b ? grad_b : grad_out;
  T* ga = typed<T>(slot_a);
  T* gb = typed<T>(slot_b);
  const T* g = typed<const T>(grad_out);
  const T* x = typed<const T>(a);
  const T* y = typed<const T>(b);
  visit_op(op, [&]<BinaryOp o>() {
    cpu::for_each_run<5>({&slot_a, &slot_b, &grad_out, &a, &b}, [&](const auto& off, const auto& st, int64_t n) {
      for (int64_t i = 0; i < n; ++i) {
        const T gi = g[off[2] + i * st[2]];
        const Partials<T> d = binary_partials(o, x[off[3] + i * st[3]], y[off[4] + i * st[4]]);
        if (want_a) ga[off[0] + i * st[0]] = gi * d.da;
        if (want_b) gb[off[1] + i * st[1]] = gi * d.db;
      }
    });
  });
}

}  // namespace

void CpuBackend::copy(const TensorDesc& out, const TensorDesc& in) {
  dispatch_dtype(out.dtype, [&](auto out_type) {
    using TOut = decltype(out_type);
    dispatch_dtype(in.dtype, [&](auto in_type) {
      using TIn = decltype(in_type);
      map1<TOut, TIn>(out, in, [](TIn x) { return static_cast<TOut>(x); });
    });
  });
}

void CpuBackend::fill(const TensorDesc& out, double value) {
  dispatch_dtype(out.dtype, [&](auto type) {
    using T = decltype(type);
    const T v = static_cast<T>(value);
    T* o = typed<T>(out);
    cpu::for_each_run<1>({&out}, [&](const auto& off, const auto& st, int64_t n) {
      for (int64_t k = 0; k < n; ++k) o[off[0] + k * st[0]] = v;
    });
  });
}

void CpuBackend::unary(UnaryOp op, const TensorDesc& out, const TensorDesc& in, ScalarParams p) {
  dispatch_dtype(out.dtype, [&](auto type) { unary_typed<decltype(type)>(op, out, in, p); });
}

void CpuBackend::unary_backward(UnaryOp op, const TensorDesc& grad_in, const TensorDesc& grad_out,
                                const TensorDesc& x, const TensorDesc& y, ScalarParams p) {
  dispatch_dtype(grad_in.dtype, [&](auto type) { unary_backward_typed<decltype(type)>(op, grad_in, grad_out, x, y, p); });
}

void CpuBackend::binary(BinaryOp op, const TensorDesc& out, const TensorDesc& a, const TensorDesc& b) {
  dispatch_dtype(out.dtype, [&](auto type) {
    using T = decltype(type);
    visit_op(op, [&]<BinaryOp o>() { map2<T>(out, a, b, [](T x, T y) { return binary_forward(o, x, y); }); });
  });
}

void CpuBackend::binary_backward(BinaryOp op, const TensorDesc& grad_a, const TensorDesc& grad_b,
                                 const TensorDesc& grad_out, const TensorDesc& a, const TensorDesc& b) {
  dispatch_dtype(grad_out.dtype, [&](auto type) { binary_backward_typed<decltype(type)>(op, grad_a, grad_b, grad_out, a, b); });
}

void CpuBackend::where(const TensorDesc& out, const TensorDesc& cond, const TensorDesc& a, const TensorDesc& b) {
  dispatch_dtype(out.dtype, [&](auto out_type) {
    using T = decltype(out_type);
    dispatch_dtype(cond.dtype, [&](auto cond_type) {
      using C = decltype(cond_type);
      T* o = typed<T>(out);
      const C* c = typed<const C>(cond);
      const T* x = typed<const T>(a);
      const T* y = typed<const T>(b);
      cpu::for_each_run<4>({&out, &cond, &a, &b}, [&](const auto& off, const auto& st, int64_t n) {
        for (int64_t k = 0; k < n; ++k)
          o[off[0] + k * st[0]] = c[off[1] + k * st[1]] != 0 ? x[off[2] + k * st[2]] : y[off[3] + k * st[3]];
      });
    });
  });
}

}  // namespace ganforge::kernels
