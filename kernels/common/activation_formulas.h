// The activations and their derivatives, written once for the cpu and cuda backends (the
// reference backend keeps its own). `alpha` is the activation's parameter (LeakyReLU's negative
// slope, ELU's α). tanh and sigmoid exponentiate only -|x|, so large |x| gives ±1 / 0 / 1, never NaN.
#pragma once

#include "kernels/common/host_device.h"
#include "kernels/common/scalar_math.h"
#include "kernels/primitives.h"

namespace ganforge::kernels {

template <class T>
GANFORGE_HOST_DEVICE T activation_forward_value(ActivationOp op, T x, T alpha) {
  switch (op) {
    case ActivationOp::Relu: return x < 0 ? T(0) : x;  // NaN passes through
    case ActivationOp::LeakyRelu: return x < 0 ? x * alpha : x;
    case ActivationOp::Elu: return x > 0 ? x : alpha * math::expm1(x);
    case ActivationOp::Tanh: return math::tanh(x);
    case ActivationOp::Sigmoid: {
      const T e = math::exp(-math::abs(x));
      return x >= 0 ? T(1) / (T(1) + e) : e / (T(1) + e);
    }
  }
  return x;
}

// g · act'(x), written in x or in y = act(x) as backward_reads(op) says.
template <class T>
GANFORGE_HOST_DEVICE T activation_backward_value(ActivationOp op, T g, T x, T y, T alpha) {
  switch (op) {
    case ActivationOp::Relu: return x > 0 ? g : T(0);
    case ActivationOp::LeakyRelu: return x > 0 ? g : g * alpha;
    case ActivationOp::Elu: return y > 0 ? g : g * (y + alpha);  // α·eˣ = y + α for x <= 0 (α >= 0)
    case ActivationOp::Tanh: return g * ((T(1) - y) * (T(1) + y));  // 1 - y², without cancellation near |y| = 1
    case ActivationOp::Sigmoid: return g * y * (T(1) - y);
  }
  return g;
}

}  // namespace ganforge::kernels
