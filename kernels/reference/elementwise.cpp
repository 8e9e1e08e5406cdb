// Reference elementwise primitives: one formula per op, applied at every multi-index.
#include <cmath>
#include <limits>

#include "kernels/philox.h"
#include "kernels/reference/element_access.h"
#include "kernels/reference/reference_backend.h"

namespace ganforge::kernels {
namespace {

using namespace reference;  // element_access.h

// T is double for floating tensors and int64_t for integer ones, so integer results are exact.
template <class T>
T unary_value(UnaryOp op, T x, ScalarParams p) {
  switch (op) {
    case UnaryOp::Neg: return -x;
    case UnaryOp::Exp: return static_cast<T>(std::exp(static_cast<double>(x)));
    case UnaryOp::Log: return static_cast<T>(std::log(static_cast<double>(x)));
    case UnaryOp::Sqrt: return static_cast<T>(std::sqrt(static_cast<double>(x)));
    case UnaryOp::Abs: return x < 0 ? -x : x;
    case UnaryOp::Pow: return static_cast<T>(std::pow(static_cast<double>(x), p.a));
    case UnaryOp::Clamp: {  // NaN stays NaN, as in PyTorch
      T low = static_cast<T>(p.a), high = static_cast<T>(p.b);
      return x < low ? low : (x > high ? high : x);
    }
    case UnaryOp::AddScalar: return x + static_cast<T>(p.a);
    case UnaryOp::MulScalar: return x * static_cast<T>(p.a);
  }
  return x;
}

// d op(x) / dx, given x and y = op(x).
double unary_derivative(UnaryOp op, double x, double y, ScalarParams p) {
  switch (op) {
    case UnaryOp::Neg: return -1;
    case UnaryOp::Exp: return y;
    case UnaryOp::Log: return 1 / x;
    case UnaryOp::Sqrt: return 0.5 / y;
    case UnaryOp::Abs: return x > 0 ? 1 : (x < 0 ? -1 : 0);
    case UnaryOp::Pow: return p.a == 0 ? 0 : p.a * std::pow(x, p.a - 1);
    case UnaryOp::Clamp: return (x >= p.a && x <= p.b) ? 1 : 0;
    case UnaryOp::AddScalar: return 1;
    case UnaryOp::MulScalar: return p.a;
  }
  return 0;
}

template <class T>
bool is_nan(T v) {
  return v != v;
}

template <class T>
T binary_value(BinaryOp op, T a, T b) {
  switch (op) {
    case BinaryOp::Add: return a + b;
    case BinaryOp::Sub: return a - b;
    case BinaryOp::Mul: return a * b;
    case BinaryOp::Div: return a / b;
    case BinaryOp::Pow: return static_cast<T>(std::pow(static_cast<double>(a), static_cast<double>(b)));
    case BinaryOp::Minimum: return is_nan(a) ? a : (is_nan(b) ? b : (a < b ? a : b));
    case BinaryOp::Maximum: return is_nan(a) ? a : (is_nan(b) ? b : (a > b ? a : b));
    case BinaryOp::Eq: return a == b;
    case BinaryOp::Ne: return a != b;
    case BinaryOp::Lt: return a < b;
    case BinaryOp::Le: return a <= b;
    case BinaryOp::Gt: return a > b;
    case BinaryOp::Ge: return a >= b;
  }
  return a;
}

struct Partials {
  double da, db;
};

// (d op/da, d op/db) at (a, b). Ties of minimum/maximum split the gradient evenly.
Partials binary_partials(BinaryOp op, double a, double b) {
  switch (op) {
    case BinaryOp::Add: return {1, 1};
    case BinaryOp::Sub: return {1, -1};
    case BinaryOp::Mul: return {b, a};
    case BinaryOp::Div: return {1 / b, -a / (b * b)};
    case BinaryOp::Pow:
      return {b == 0 ? 0 : b * std::pow(a, b - 1), (a == 0 && b >= 0) ? 0 : std::pow(a, b) * std::log(a)};
    case BinaryOp::Minimum: return a < b ? Partials{1, 0} : (a > b ? Partials{0, 1} : Partials{0.5, 0.5});
    case BinaryOp::Maximum: return a > b ? Partials{1, 0} : (a < b ? Partials{0, 1} : Partials{0.5, 0.5});
    default: return {0, 0};  // comparisons are piecewise constant
  }
}

}  // namespace

void ReferenceBackend::copy(const TensorDesc& out, const TensorDesc& in) {
  for_each_index(out, [&](const int64_t* i) {
    if (out.dtype == DType::I64)
      store_int(out, i, load_int(in, i));
    else
      store(out, i, load(in, i));
  });
}

void ReferenceBackend::fill(const TensorDesc& out, double value) {
  for_each_index(out, [&](const int64_t* i) { store(out, i, value); });
}

void ReferenceBackend::random_uniform(const TensorDesc& out, PhiloxState rng, double low, double high) {
  int64_t n = 0;
  for_each_index(out, [&](const int64_t* i) {
    store(out, i, low + (high - low) * philox::uniform_at(rng.seed, rng.offset, n++, out.dtype));
  });
}

void ReferenceBackend::random_normal(const TensorDesc& out, PhiloxState rng, double mean, double stddev) {
  int64_t n = 0;
  for_each_index(out, [&](const int64_t* i) {
    store(out, i, mean + stddev * philox::normal_at(rng.seed, rng.offset, n++, out.dtype));
  });
}

void ReferenceBackend::random_int(const TensorDesc& out, PhiloxState rng, int64_t low, int64_t high) {
  int64_t n = 0;
  for_each_index(out, [&](const int64_t* i) { store_int(out, i, philox::int_at(rng.seed, rng.offset, n++, low, high)); });
}

void ReferenceBackend::unary(UnaryOp op, const TensorDesc& out, const TensorDesc& in, ScalarParams p) {
  for_each_index(out, [&](const int64_t* i) {
    if (out.dtype == DType::I64)
      store_int(out, i, unary_value<int64_t>(op, load_int(in, i), p));
    else
      store(out, i, unary_value<double>(op, load(in, i), p));
  });
}

void ReferenceBackend::unary_backward(UnaryOp op, const TensorDesc& grad_in, const TensorDesc& grad_out,
                                      const TensorDesc& x, const TensorDesc& y, ScalarParams p) {
  for_each_index(grad_in, [&](const int64_t* i) {
    store(grad_in, i, load(grad_out, i) * unary_derivative(op, load(x, i), load(y, i), p));
  });
}

void ReferenceBackend::binary(BinaryOp op, const TensorDesc& out, const TensorDesc& a, const TensorDesc& b) {
  for_each_index(out, [&](const int64_t* i) {
    if (a.dtype == DType::I64)
      store_int(out, i, binary_value<int64_t>(op, load_int(a, i), load_int(b, i)));
    else
      store(out, i, binary_value<double>(op, load(a, i), load(b, i)));
  });
}

void ReferenceBackend::binary_backward(BinaryOp op, const TensorDesc& grad_a, const TensorDesc& grad_b,
                                       const TensorDesc& grad_out, const TensorDesc& a, const TensorDesc& b) {
  for_each_index(grad_out, [&](const int64_t* i) {
    double g = load(grad_out, i);
    Partials d = binary_partials(op, load(a, i), load(b, i));
    if (grad_a.present()) store(grad_a, i, g * d.da);
    if (grad_b.present()) store(grad_b, i, g * d.db);
  });
}

void ReferenceBackend::where(const TensorDesc& out, const TensorDesc& cond, const TensorDesc& a,
                             const TensorDesc& b) {
  for_each_index(out, [&](const int64_t* i) {
    const TensorDesc& chosen = load(cond, i) != 0 ? a : b;
    if (out.dtype == DType::I64)
      store_int(out, i, load_int(chosen, i));
    else
      store(out, i, load(chosen, i));
  });
}

}  // namespace ganforge::kernels
