// The per-element terms of the fused losses and their derivatives, written once for the cpu and
// cuda backends (the reference backend keeps its own). They run in double for f32 tensors too:
// the gradients subtract nearly equal values (sigmoid(z) - t), which float would round to a few
// ulps of the larger one. Cross-entropy works on whole rows and has no per-element term.
#pragma once

#include <cmath>
#include <cstdint>

#include "kernels/common/host_device.h"
#include "kernels/primitives.h"

namespace ganforge::kernels {

// PyTorch clamps BCE's logs at -100, so p = 0 and p = 1 give a finite loss; NaN stays NaN.
GANFORGE_HOST_DEVICE double clamped_log(double v) {
  const double l = ::log(v);
  return l < -100 ? -100 : l;
}

GANFORGE_HOST_DEVICE double stable_sigmoid(double z) {
  const double e = ::exp(-::fabs(z));
  return z >= 0 ? 1 / (1 + e) : e / (1 + e);
}

// The term of input x and target t.
GANFORGE_HOST_DEVICE double loss_term(LossOp op, double x, double t) {
  switch (op) {
    case LossOp::Mse: return (x - t) * (x - t);
    case LossOp::L1: return ::fabs(x - t);
    case LossOp::Bce: return -(t * clamped_log(x) + (1 - t) * clamped_log(1 - x));
    case LossOp::BceWithLogits: return ::fmax(x, 0.0) - x * t + ::log1p(::exp(-::fabs(x)));  // stable in z = x
    case LossOp::CrossEntropy: break;
  }
  return 0;
}

// d term / d x
GANFORGE_HOST_DEVICE double loss_term_derivative(LossOp op, double x, double t) {
  switch (op) {
    case LossOp::Mse: return 2 * (x - t);
    case LossOp::L1: return x > t ? 1.0 : (x < t ? -1.0 : 0.0);
    case LossOp::Bce: return (x - t) / ::fmax((1 - x) * x, 1e-12);  // PyTorch keeps the denominator >= 1e-12
    case LossOp::BceWithLogits: return stable_sigmoid(x) - t;
    case LossOp::CrossEntropy: break;
  }
  return 0;
}

// The number of terms a mean divides by: elements, or rows for cross-entropy (as PyTorch).
inline double loss_terms(LossOp op, int64_t elements, int64_t rows) {
  return static_cast<double>(op == LossOp::CrossEntropy ? rows : elements);
}

}  // namespace ganforge::kernels
