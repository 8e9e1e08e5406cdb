// Reference optimizer updates, element by element in double, exactly as PyTorch's
// single-tensor Adam and SGD write them.
#include <cmath>

#include "kernels/reference/element_access.h"
#include "kernels/reference/reference_backend.h"

namespace ganforge::kernels {
namespace {

using namespace reference;  // element_access.h

}  // namespace

// g += wd·θ;  m = β1·m + (1-β1)·g;  v = β2·v + (1-β2)·g²;
// θ -= lr/(1-β1^t) · m / (sqrt(v)/sqrt(1-β2^t) + eps)
void ReferenceBackend::adam_step(const AdamParams& p, const TensorDesc& param, const TensorDesc& grad,
                                 const TensorDesc& exp_avg, const TensorDesc& exp_avg_sq) {
  const double step = static_cast<double>(p.step);
  const double correction1 = 1 - std::pow(p.beta1, step), correction2 = 1 - std::pow(p.beta2, step);
  for (int64_t i = 0; i < param.numel(); ++i) {
    const double theta = get(param, i);
    const double g = get(grad, i) + p.weight_decay * theta;
    const double m = p.beta1 * get(exp_avg, i) + (1 - p.beta1) * g;
    const double v = p.beta2 * get(exp_avg_sq, i) + (1 - p.beta2) * g * g;
    put(exp_avg, i, m);
    put(exp_avg_sq, i, v);
    put(param, i, theta - p.lr / correction1 * m / (std::sqrt(v) / std::sqrt(correction2) + p.eps));
  }
}

// d = g + wd·θ;  with momentum: b = d on the first step, else μ·b + (1-dampening)·d;
// d = nesterov ? d + μ·b : b;  θ -= lr·d
void ReferenceBackend::sgd_step(const SgdParams& p, const TensorDesc& param, const TensorDesc& grad,
                                const TensorDesc& momentum_buffer) {
  for (int64_t i = 0; i < param.numel(); ++i) {
    const double theta = get(param, i);
    double d = get(grad, i) + p.weight_decay * theta;
    if (p.momentum != 0) {
      const double b = p.first_step ? d : p.momentum * get(momentum_buffer, i) + (1 - p.dampening) * d;
      put(momentum_buffer, i, b);
      d = p.nesterov ? d + p.momentum * b : b;
    }
    put(param, i, theta - p.lr * d);
  }
}

}  // namespace ganforge::kernels
