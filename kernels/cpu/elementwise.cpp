// cpu elementwise primitives. Each op gets its own loop (the switch is outside the loop) so
// that the loop body is branch-free and vectorisable; math runs in the tensor's own type.
#include <cmath>

#include "kernels/cpu/cpu_backend.h"
#include "kernels/cpu/map.h"

namespace ganforge::kernels {

using cpu::dispatch_dtype;
using cpu::map1;
using cpu::map2;
using cpu::typed;

namespace {

template <class T>
bool is_nan(T v) {
  return v != v;
}

template <class T>
void unary_typed(UnaryOp op, const TensorDesc& out, const TensorDesc& in, ScalarParams p) {
  const T a = static_cast<T>(p.a), b = static_cast<T>(p.b);
  switch (op) {
    case UnaryOp::Neg: map1<T, T>(out, in, [](T x) { return -x; }); break;
    case UnaryOp::Exp: map1<T, T>(out, in, [](T x) { return static_cast<T>(std::exp(x)); }); break;
    case UnaryOp::Log: map1<T, T>(out, in, [](T x) { return static_cast<T>(std::log(x)); }); break;
    case UnaryOp::Sqrt: map1<T, T>(out, in, [](T x) { return static_cast<T>(std::sqrt(x)); }); break;
    case UnaryOp::Abs: map1<T, T>(out, in, [](T x) { return x < 0 ? -x : x; }); break;
    case UnaryOp::Pow:
      if (p.a == 2)
        map1<T, T>(out, in, [](T x) { return x * x; });
      else
        map1<T, T>(out, in, [e = p.a](T x) { return static_cast<T>(std::pow(x, e)); });
      break;
    case UnaryOp::Clamp: map1<T, T>(out, in, [a, b](T x) { return x < a ? a : (x > b ? b : x); }); break;
    case UnaryOp::AddScalar: map1<T, T>(out, in, [a](T x) { return x + a; }); break;
    case UnaryOp::MulScalar: map1<T, T>(out, in, [a](T x) { return x * a; }); break;
  }
}

// grad_in = grad_out * f'(x), with f'(x) written in terms of x or y = f(x).
template <class T>
void unary_backward_typed(UnaryOp op, const TensorDesc& gi, const TensorDesc& go, const TensorDesc& x,
                          const TensorDesc& y, ScalarParams p) {
  const T a = static_cast<T>(p.a), b = static_cast<T>(p.b);
  switch (op) {
    case UnaryOp::Neg: map1<T, T>(gi, go, [](T g) { return -g; }); break;
    case UnaryOp::Exp: map2<T>(gi, go, y, [](T g, T e) { return g * e; }); break;
    case UnaryOp::Log: map2<T>(gi, go, x, [](T g, T v) { return g / v; }); break;
    case UnaryOp::Sqrt: map2<T>(gi, go, y, [](T g, T r) { return g * T(0.5) / r; }); break;
    case UnaryOp::Abs: map2<T>(gi, go, x, [](T g, T v) { return v > 0 ? g : (v < 0 ? -g : T(0)); }); break;
    case UnaryOp::Pow:
      map2<T>(gi, go, x, [a](T g, T v) { return a == 0 ? T(0) : g * a * static_cast<T>(std::pow(v, a - 1)); });
      break;
    case UnaryOp::Clamp: map2<T>(gi, go, x, [a, b](T g, T v) { return (v >= a && v <= b) ? g : T(0); }); break;
    case UnaryOp::AddScalar: map1<T, T>(gi, go, [](T g) { return g; }); break;
    case UnaryOp::MulScalar: map1<T, T>(gi, go, [a](T g) { return g * a; }); break;
  }
}

template <class T>
void binary_typed(BinaryOp op, const TensorDesc& out, const TensorDesc& a, const TensorDesc& b) {
  switch (op) {
    case BinaryOp::Add: map2<T>(out, a, b, [](T x, T y) { return x + y; }); break;
    case BinaryOp::Sub: map2<T>(out, a, b, [](T x, T y) { return x - y; }); break;
    case BinaryOp::Mul: map2<T>(out, a, b, [](T x, T y) { return x * y; }); break;
    case BinaryOp::Div: map2<T>(out, a, b, [](T x, T y) { return x / y; }); break;
    case BinaryOp::Pow: map2<T>(out, a, b, [](T x, T y) { return static_cast<T>(std::pow(x, y)); }); break;
    case BinaryOp::Minimum:
      map2<T>(out, a, b, [](T x, T y) { return is_nan(x) ? x : (is_nan(y) ? y : (x < y ? x : y)); });
      break;
    case BinaryOp::Maximum:
      map2<T>(out, a, b, [](T x, T y) { return is_nan(x) ? x : (is_nan(y) ? y : (x > y ? x : y)); });
      break;
    case BinaryOp::Eq: map2<T>(out, a, b, [](T x, T y) { return T(x == y); }); break;
    case BinaryOp::Ne: map2<T>(out, a, b, [](T x, T y) { return T(x != y); }); break;
    case BinaryOp::Lt: map2<T>(out, a, b, [](T x, T y) { return T(x < y); }); break;
    case BinaryOp::Le: map2<T>(out, a, b, [](T x, T y) { return T(x <= y); }); break;
    case BinaryOp::Gt: map2<T>(out, a, b, [](T x, T y) { return T(x > y); }); break;
    case BinaryOp::Ge: map2<T>(out, a, b, [](T x, T y) { return T(x >= y); }); break;
  }
}

// Writes the wanted partial derivatives times g. A null grad is skipped: its operand slot
// reuses grad_out's layout so the strided walk stays the same.
template <class T, class Partials>
void binary_backward_loop(const TensorDesc& grad_a, const TensorDesc& grad_b, const TensorDesc& grad_out,
                          const TensorDesc& a, const TensorDesc& b, Partials partials) {
  const bool want_a = grad_a.data != nullptr, want_b = grad_b.data != nullptr;
  const TensorDesc& slot_a = want_a ? grad_a : grad_out;
  const TensorDesc& slot_b = want_b ? grad_b : grad_out;
  T* ga = typed<T>(slot_a);
  T* gb = typed<T>(slot_b);
  const T* g = typed<const T>(grad_out);
  const T* x = typed<const T>(a);
  const T* y = typed<const T>(b);
  cpu::for_each_run<5>({&slot_a, &slot_b, &grad_out, &a, &b}, [&](const auto& off, const auto& st, int64_t n) {
    for (int64_t k = 0; k < n; ++k) {
      T gk = g[off[2] + k * st[2]];
      auto [da, db] = partials(x[off[3] + k * st[3]], y[off[4] + k * st[4]]);
      if (want_a) ga[off[0] + k * st[0]] = gk * da;
      if (want_b) gb[off[1] + k * st[1]] = gk * db;
    }
  });
}

template <class T>
struct Pair {
  T da, db;
};

template <class T>
void binary_backward_typed(BinaryOp op, const TensorDesc& ga, const TensorDesc& gb, const TensorDesc& g,
                           const TensorDesc& a, const TensorDesc& b) {
  using P = Pair<T>;
  switch (op) {
    case BinaryOp::Add: binary_backward_loop<T>(ga, gb, g, a, b, [](T, T) { return P{1, 1}; }); break;
    case BinaryOp::Sub: binary_backward_loop<T>(ga, gb, g, a, b, [](T, T) { return P{1, -1}; }); break;
    case BinaryOp::Mul: binary_backward_loop<T>(ga, gb, g, a, b, [](T x, T y) { return P{y, x}; }); break;
    case BinaryOp::Div:
      binary_backward_loop<T>(ga, gb, g, a, b, [](T x, T y) { return P{T(1) / y, -x / (y * y)}; });
      break;
    case BinaryOp::Pow:
      binary_backward_loop<T>(ga, gb, g, a, b, [](T x, T y) {
        T da = y == 0 ? T(0) : y * static_cast<T>(std::pow(x, y - 1));
        T db = (x == 0 && y >= 0) ? T(0) : static_cast<T>(std::pow(x, y) * std::log(x));
        return P{da, db};
      });
      break;
    case BinaryOp::Minimum:
      binary_backward_loop<T>(ga, gb, g, a, b, [](T x, T y) {
        return x < y ? P{1, 0} : (x > y ? P{0, 1} : P{T(0.5), T(0.5)});
      });
      break;
    case BinaryOp::Maximum:
      binary_backward_loop<T>(ga, gb, g, a, b, [](T x, T y) {
        return x > y ? P{1, 0} : (x < y ? P{0, 1} : P{T(0.5), T(0.5)});
      });
      break;
    default: binary_backward_loop<T>(ga, gb, g, a, b, [](T, T) { return P{0, 0}; }); break;
  }
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
  dispatch_dtype(out.dtype, [&](auto type) { binary_typed<decltype(type)>(op, out, a, b); });
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
