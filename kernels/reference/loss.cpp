// Reference fused losses over contiguous tensors: one term per element (per row for
// cross-entropy), summed in double; mean divides by the number of terms.
#include <cmath>

#include "kernels/reference/element_access.h"
#include "kernels/reference/reference_backend.h"

namespace ganforge::kernels {
namespace {

using namespace reference;  // element_access.h

// PyTorch clamps BCE's logs at -100, so p = 0 and p = 1 give a finite loss; NaN stays NaN.
double clamped_log(double v) {
  const double l = std::log(v);
  return l < -100 ? -100 : l;
}

double sigmoid(double z) { return z >= 0 ? 1 / (1 + std::exp(-z)) : std::exp(z) / (1 + std::exp(z)); }

double term(LossOp op, double x, double t) {
  switch (op) {
    case LossOp::Mse: return (x - t) * (x - t);
    case LossOp::L1: return std::fabs(x - t);
    case LossOp::Bce: return -(t * clamped_log(x) + (1 - t) * clamped_log(1 - x));
    case LossOp::BceWithLogits: return std::fmax(x, 0.0) - x * t + std::log1p(std::exp(-std::fabs(x)));
    case LossOp::CrossEntropy: break;
  }
  return 0;
}

// d term / d input
double term_derivative(LossOp op, double x, double t) {
  switch (op) {
    case LossOp::Mse: return 2 * (x - t);
    case LossOp::L1: return x > t ? 1.0 : (x < t ? -1.0 : 0.0);
    case LossOp::Bce: return (x - t) / std::fmax((1 - x) * x, 1e-12);  // PyTorch's epsilon
    case LossOp::BceWithLogits: return sigmoid(x) - t;
    case LossOp::CrossEntropy: break;
  }
  return 0;
}

// log Σ_j exp(z_j) of row n of logits [N, C], shifted by the row's maximum when it is finite.
double log_sum_exp(const TensorDesc& z, int64_t n) {
  const int64_t classes = z.shape[1];
  double max = -INFINITY;
  for (int64_t j = 0; j < classes; ++j) max = std::fmax(max, get(z, n * classes + j));
  if (std::isinf(max)) max = 0;
  double sum = 0;
  for (int64_t j = 0; j < classes; ++j) sum += std::exp(get(z, n * classes + j) - max);
  return max + std::log(sum);
}

int64_t label(const TensorDesc& targets, int64_t n) { return static_cast<const int64_t*>(targets.data)[n]; }

// Number of terms the mean divides by: elements, or rows for cross-entropy (PyTorch).
double terms(LossOp op, const TensorDesc& input) {
  return static_cast<double>(op == LossOp::CrossEntropy ? input.shape[0] : input.numel());
}

}  // namespace

void ReferenceBackend::loss_forward(LossOp op, Reduction reduction, const TensorDesc& loss, const TensorDesc& input,
                                    const TensorDesc& target) {
  double sum = 0;
  if (op == LossOp::CrossEntropy) {
    for (int64_t n = 0; n < input.shape[0]; ++n)
      sum += log_sum_exp(input, n) - get(input, n * input.shape[1] + label(target, n));
  } else {
    for (int64_t i = 0; i < input.numel(); ++i) sum += term(op, get(input, i), get(target, i));
  }
  put(loss, 0, reduction == Reduction::Mean ? sum / terms(op, input) : sum);
}

// cross-entropy: d/dz_nj = softmax(z_n)_j - [j == t_n]
void ReferenceBackend::loss_backward(LossOp op, Reduction reduction, double grad_loss, const TensorDesc& grad_input,
                                     const TensorDesc& input, const TensorDesc& target) {
  const double g = reduction == Reduction::Mean ? grad_loss / terms(op, input) : grad_loss;
  if (op == LossOp::CrossEntropy) {
    const int64_t classes = input.shape[1];
    for (int64_t n = 0; n < input.shape[0]; ++n) {
      const double lse = log_sum_exp(input, n);
      for (int64_t j = 0; j < classes; ++j) {
        const int64_t i = n * classes + j;
        put(grad_input, i, g * (std::exp(get(input, i) - lse) - (j == label(target, n) ? 1.0 : 0.0)));
      }
    }
    return;
  }
  for (int64_t i = 0; i < input.numel(); ++i) put(grad_input, i, g * term_derivative(op, get(input, i), get(target, i)));
}

}  // namespace ganforge::kernels
