// Reference activations (any strides) and softmax along one dim (contiguous tensors).
#include <cmath>

#include "kernels/common/layer_geometry.h"
#include "kernels/reference/element_access.h"
#include "kernels/reference/reference_backend.h"

namespace ganforge::kernels {
namespace {

using namespace reference;  // element_access.h

double activate(ActivationOp op, double x, double alpha) {
  switch (op) {
    case ActivationOp::Relu: return x < 0 ? 0.0 : x;  // NaN passes through
    case ActivationOp::LeakyRelu: return x < 0 ? x * alpha : x;
    case ActivationOp::Elu: return x > 0 ? x : alpha * std::expm1(x);
    case ActivationOp::Tanh: return std::tanh(x);  // ±1 for large |x|, never NaN
    case ActivationOp::Sigmoid:                    // exp of a non-positive number only: no overflow
      return x >= 0 ? 1 / (1 + std::exp(-x)) : std::exp(x) / (1 + std::exp(x));
  }
  return x;
}

// d act / dx, through x for the piecewise-linear ones and through y = act(x) for the others.
double derivative(ActivationOp op, double x, double y, double alpha) {
  switch (op) {
    case ActivationOp::Relu: return x > 0 ? 1.0 : 0.0;
    case ActivationOp::LeakyRelu: return x > 0 ? 1.0 : alpha;
    case ActivationOp::Elu: return y > 0 ? 1.0 : y + alpha;
    case ActivationOp::Tanh: return (1 - y) * (1 + y);  // 1 - y², without cancellation near |y| = 1
    case ActivationOp::Sigmoid: return y * (1 - y);
  }
  return 0;
}

// The offset of element k of slice (o, i).
int64_t at(const AroundDim& a, int64_t o, int64_t k, int64_t i) { return (o * a.size + k) * a.inner + i; }

}  // namespace

void ReferenceBackend::activation_forward(ActivationOp op, const TensorDesc& y, const TensorDesc& x, double alpha) {
  for_each_index(y, [&](const int64_t* i) { store(y, i, activate(op, load(x, i), alpha)); });
}

void ReferenceBackend::activation_backward(ActivationOp op, const TensorDesc& dx, const TensorDesc& dy,
                                           const TensorDesc& x, const TensorDesc& y, double alpha) {
  for_each_index(dx, [&](const int64_t* i) { store(dx, i, load(dy, i) * derivative(op, load(x, i), load(y, i), alpha)); });
}

// softmax: y_k = exp(x_k - max) / Σ exp(x_j - max);  log_softmax: y_k = x_k - max - log Σ exp(x_j - max)
void ReferenceBackend::softmax_forward(SoftmaxOp op, const TensorDesc& y, const TensorDesc& x, int dim) {
  const bool log = op == SoftmaxOp::LogSoftmax;
  const AroundDim a(x, dim);
  for (int64_t o = 0; o < a.outer; ++o)
    for (int64_t i = 0; i < a.inner; ++i) {
      double max = -INFINITY;
      for (int64_t k = 0; k < a.size; ++k) max = std::fmax(max, get(x, at(a, o, k, i)));
      if (std::isinf(max)) max = 0;  // all -inf (or some +inf): no shift, as PyTorch
      double sum = 0;
      for (int64_t k = 0; k < a.size; ++k) sum += std::exp(get(x, at(a, o, k, i)) - max);
      for (int64_t k = 0; k < a.size; ++k) {
        const double shifted = get(x, at(a, o, k, i)) - max;
        put(y, at(a, o, k, i), log ? shifted - std::log(sum) : std::exp(shifted) / sum);
      }
    }
}

// softmax: dx = y·(dy - Σ dy·y);  log_softmax: dx = dy - exp(y)·Σ dy
void ReferenceBackend::softmax_backward(SoftmaxOp op, const TensorDesc& dx, const TensorDesc& dy, const TensorDesc& y,
                                        int dim) {
  const bool log = op == SoftmaxOp::LogSoftmax;
  const AroundDim a(y, dim);
  for (int64_t o = 0; o < a.outer; ++o)
    for (int64_t i = 0; i < a.inner; ++i) {
      double sum = 0;
      for (int64_t k = 0; k < a.size; ++k) sum += log ? get(dy, at(a, o, k, i)) : get(dy, at(a, o, k, i)) * get(y, at(a, o, k, i));
      for (int64_t k = 0; k < a.size; ++k) {
        const int64_t e = at(a, o, k, i);
        put(dx, e, log ? get(dy, e) - std::exp(get(y, e)) * sum : get(y, e) * (get(dy, e) - sum));
      }
    }
}

}  // namespace ganforge::kernels
