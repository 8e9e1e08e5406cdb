// The formulas of the unary and binary elementwise ops and of their derivatives, written once
// for the cpu and cuda backends (the reference backend keeps its own, as an independent check).
// Math runs in the tensor's own type T (float for f32); integers go through double where a
// function needs it (scalar_math.h).
#pragma once

#include "kernels/common/host_device.h"
#include "kernels/common/scalar_math.h"
#include "kernels/primitives.h"

namespace ganforge::kernels {

// op(x) with the op's scalars a, b (UnaryOp's list says which op uses them).
template <class T>
GANFORGE_HOST_DEVICE T unary_forward(UnaryOp op, T x, T a, T b) {
  switch (op) {
    case UnaryOp::Neg: return -x;
    case UnaryOp::Exp: return math::exp(x);
    case UnaryOp::Log: return math::log(x);
    case UnaryOp::Sqrt: return math::sqrt(x);
    case UnaryOp::Abs: return math::abs(x);
    case UnaryOp::Pow: return a == T(2) ? x * x : math::pow(x, a);
    case UnaryOp::Clamp: return x < a ? a : (x > b ? b : x);  // NaN stays NaN
    case UnaryOp::AddScalar: return x + a;
    case UnaryOp::MulScalar: return x * a;
  }
  return x;
}

// g · d op(x)/dx, written in x or in y = op(x) as backward_reads(op) says.
template <class T>
GANFORGE_HOST_DEVICE T unary_backward(UnaryOp op, T g, T x, T y, T a, T b) {
  switch (op) {
    case UnaryOp::Neg: return -g;
    case UnaryOp::Exp: return g * y;
    case UnaryOp::Log: return g / x;
    case UnaryOp::Sqrt: return g * T(0.5) / y;
    case UnaryOp::Abs: return x > 0 ? g : (x < 0 ? -g : T(0));
    case UnaryOp::Pow: return a == 0 ? T(0) : g * a * math::pow(x, T(a - 1));
    case UnaryOp::Clamp: return (x >= a && x <= b) ? g : T(0);
    case UnaryOp::AddScalar: return g;
    case UnaryOp::MulScalar: return g * a;
  }
  return g;
}

template <class T>
GANFORGE_HOST_DEVICE T binary_forward(BinaryOp op, T x, T y) {
  switch (op) {
    case BinaryOp::Add: return x + y;
    case BinaryOp::Sub: return x - y;
    case BinaryOp::Mul: return x * y;
    case BinaryOp::Div: return x / y;
    case BinaryOp::Pow: return math::pow(x, y);
    case BinaryOp::Minimum: return math::is_nan(x) ? x : (math::is_nan(y) ? y : (x < y ? x : y));  // NaN wins
    case BinaryOp::Maximum: return math::is_nan(x) ? x : (math::is_nan(y) ? y : (x > y ? x : y));
    case BinaryOp::Eq: return T(x == y);
    case BinaryOp::Ne: return T(x != y);
    case BinaryOp::Lt: return T(x < y);
    case BinaryOp::Le: return T(x <= y);
    case BinaryOp::Gt: return T(x > y);
    case BinaryOp::Ge: return T(x >= y);
  }
  return x;
}

template <class T>
struct Partials {
  T da, db;
};

// (∂op/∂x, ∂op/∂y) at (x, y). Ties of minimum / maximum split the gradient evenly; comparisons
// are piecewise constant.
template <class T>
GANFORGE_HOST_DEVICE Partials<T> binary_partials(BinaryOp op, T x, T y) {
  switch (op) {
    case BinaryOp::Add: return {1, 1};
    case BinaryOp::Sub: return {1, -1};
    case BinaryOp::Mul: return {y, x};
    case BinaryOp::Div: return {T(1) / y, -x / (y * y)};
    case BinaryOp::Pow:  // d/dx = y·x^(y-1); d/dy = x^y·log x, taken as 0 at x = 0 for y >= 0
      return {y == 0 ? T(0) : y * math::pow(x, T(y - 1)), (x == 0 && y >= 0) ? T(0) : math::pow(x, y) * math::log(x)};
    case BinaryOp::Minimum: return x < y ? Partials<T>{1, 0} : (x > y ? Partials<T>{0, 1} : Partials<T>{T(0.5), T(0.5)});
    case BinaryOp::Maximum: return x > y ? Partials<T>{1, 0} : (x < y ? Partials<T>{0, 1} : Partials<T>{T(0.5), T(0.5)});
    default: return {0, 0};
  }
}

}  // namespace ganforge::kernels
