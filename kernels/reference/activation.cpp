// Reference activations (any strides) and softmax along one dim (contiguous tensors).
#include <cmath>

#include "kernels/reference/element_access.h"
#include "kernels/reference/reference_backend.h"

namespace ganforge::kernels {
namespace {

using reference::for_each_index;
using reference::load;
using reference::store;

double activate(ActivationOp op, double x, double slope) {
  switch (op) {
    case ActivationOp::Relu: return x < 0 ? 0.0 : x;  // NaN passes through
    case ActivationOp::LeakyRelu: return x < 0 ? x * slope : x;
    case ActivationOp::Tanh: return std::tanh(x);  // ±1 for large |x|, never NaN
    case ActivationOp::Sigmoid:                    // exp of a non-positive number only: no overflow
      return x >= 0 ? 1 / (1 + std::exp(-x)) : std::exp(x) / (1 + std::exp(x));
  }
  return x;
}

// d act / dx, through x for the piecewise-linear ones and through y = act(x) for the others.
double derivative(ActivationOp op, double x, double y, double slope) {
  switch (op) {
    case ActivationOp::Relu: return x > 0 ? 1.0 : 0.0;
    case ActivationOp::LeakyRelu: return x > 0 ? 1.0 : slope;
    case ActivationOp::Tanh: return (1 - y) * (1 + y);  // 1 - y², without cancellation near |y| = 1
    case ActivationOp::Sigmoid: return y * (1 - y);
  }
  return 0;
}

// A contiguous tensor seen as [outer, size, inner] around `dim`.
struct Around {
  int64_t outer = 1, size = 1, inner = 1;
  Around(const TensorDesc& t, int dim) {
    for (int d = 0; d < t.ndim; ++d) (d < dim ? outer : (d == dim ? size : inner)) *= t.shape[d];
  }
  int64_t at(int64_t o, int64_t k, int64_t i) const { return (o * size + k) * inner + i; }
};

double get(const TensorDesc& t, int64_t i) {
  return t.dtype == DType::F32 ? static_cast<const float*>(t.data)[i] : static_cast<const double*>(t.data)[i];
}

void put(const TensorDesc& t, int64_t i, double v) {
  if (t.dtype == DType::F32)
    static_cast<float*>(t.data)[i] = static_cast<float>(v);
  else
    static_cast<double*>(t.data)[i] = v;
}

}  // namespace

void ReferenceBackend::activation_forward(ActivationOp op, const TensorDesc& y, const TensorDesc& x, double slope) {
  for_each_index(y, [&](const int64_t* i) { store(y, i, activate(op, load(x, i), slope)); });
}

void ReferenceBackend::activation_backward(ActivationOp op, const TensorDesc& dx, const TensorDesc& dy,
                                           const TensorDesc& x, const TensorDesc& y, double slope) {
  for_each_index(dx, [&](const int64_t* i) { store(dx, i, load(dy, i) * derivative(op, load(x, i), load(y, i), slope)); });
}

// softmax: y_k = exp(x_k - max) / Σ exp(x_j - max);  log_softmax: y_k = x_k - max - log Σ exp(x_j - max)
void ReferenceBackend::softmax_forward(const TensorDesc& y, const TensorDesc& x, int dim, bool log) {
  const Around a(x, dim);
  for (int64_t o = 0; o < a.outer; ++o)
    for (int64_t i = 0; i < a.inner; ++i) {
      double max = -INFINITY;
      for (int64_t k = 0; k < a.size; ++k) max = std::fmax(max, get(x, a.at(o, k, i)));
      if (std::isinf(max)) max = 0;  // all -inf (or some +inf): no shift, as PyTorch
      double sum = 0;
      for (int64_t k = 0; k < a.size; ++k) sum += std::exp(get(x, a.at(o, k, i)) - max);
      for (int64_t k = 0; k < a.size; ++k) {
        const double shifted = get(x, a.at(o, k, i)) - max;
        put(y, a.at(o, k, i), log ? shifted - std::log(sum) : std::exp(shifted) / sum);
      }
    }
}

// softmax: dx = y·(dy - Σ dy·y);  log_softmax: dx = dy - exp(y)·Σ dy
void ReferenceBackend::softmax_backward(const TensorDesc& dx, const TensorDesc& dy, const TensorDesc& y, int dim,
                                        bool log) {
  const Around a(y, dim);
  for (int64_t o = 0; o < a.outer; ++o)
    for (int64_t i = 0; i < a.inner; ++i) {
      double sum = 0;
      for (int64_t k = 0; k < a.size; ++k) sum += log ? get(dy, a.at(o, k, i)) : get(dy, a.at(o, k, i)) * get(y, a.at(o, k, i));
      for (int64_t k = 0; k < a.size; ++k) {
        const int64_t at = a.at(o, k, i);
        put(dx, at, log ? get(dy, at) - std::exp(get(y, at)) * sum : get(y, at) * (get(dy, at) - sum));
      }
    }
}

}  // namespace ganforge::kernels
