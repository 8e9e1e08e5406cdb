// cpu optimizer updates: one fused, vectorisable pass over parameter, gradient and state,
// split over threads for large parameters. Arithmetic in double, rounded once per store.
#include <cmath>

#include "kernels/cpu/cpu_backend.h"
#include "kernels/cpu/map.h"

namespace ganforge::kernels {

namespace {

// g += wd·θ;  m = β1·m + (1-β1)·g;  v = β2·v + (1-β2)·g²;
// θ -= lr/(1-β1^t) · m / (sqrt(v)/sqrt(1-β2^t) + eps)
template <class T>
void adam(const AdamParams& p, const TensorDesc& param, const TensorDesc& grad, const TensorDesc& exp_avg,
          const TensorDesc& exp_avg_sq) {
  const double step = static_cast<double>(p.step);
  const double step_size = p.lr / (1 - std::pow(p.beta1, step));
  const double root_correction2 = std::sqrt(1 - std::pow(p.beta2, step));
  T* theta = typed<T>(param);
  const T* g = typed<const T>(grad);
  T* m = typed<T>(exp_avg);
  T* v = typed<T>(exp_avg_sq);
  cpu::parallel_for(param.numel(), 8, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const double t = static_cast<double>(theta[i]);
      const double d = static_cast<double>(g[i]) + p.weight_decay * t;
      const double mi = p.beta1 * static_cast<double>(m[i]) + (1 - p.beta1) * d;
      const double vi = p.beta2 * static_cast<double>(v[i]) + (1 - p.beta2) * d * d;
      m[i] = static_cast<T>(mi);
      v[i] = static_cast<T>(vi);
      theta[i] = static_cast<T>(t - step_size * mi / (std::sqrt(vi) / root_correction2 + p.eps));
    }
  });
}

// d = g + wd·θ;  with momentum: b = d on the first step, else μ·b + (1-dampening)·d;
// d = nesterov ? d + μ·b : b;  θ -= lr·d
template <class T>
void sgd(const SgdParams& p, const TensorDesc& param, const TensorDesc& grad, const TensorDesc& buffer) {
  T* theta = typed<T>(param);
  const T* g = typed<const T>(grad);
  T* b = typed<T>(buffer);
  cpu::parallel_for(param.numel(), 4, [&](int64_t begin, int64_t end) {
    if (p.momentum == 0) {
      for (int64_t i = begin; i < end; ++i) {
        const double t = static_cast<double>(theta[i]);
        theta[i] = static_cast<T>(t - p.lr * (static_cast<double>(g[i]) + p.weight_decay * t));
      }
      return;
    }
    for (int64_t i = begin; i < end; ++i) {
      const double t = static_cast<double>(theta[i]);
      const double d = static_cast<double>(g[i]) + p.weight_decay * t;
      // on the first step the buffer may hold anything (even NaN): it is not read
      const double bi = p.first_step ? d : p.momentum * static_cast<double>(b[i]) + (1 - p.dampening) * d;
      b[i] = static_cast<T>(bi);
      theta[i] = static_cast<T>(t - p.lr * (p.nesterov ? d + p.momentum * bi : bi));
    }
  });
}

}  // namespace

void CpuBackend::adam_step(const AdamParams& p, const TensorDesc& param, const TensorDesc& grad,
                           const TensorDesc& exp_avg, const TensorDesc& exp_avg_sq) {
  if (param.dtype == DType::F32)
    adam<float>(p, param, grad, exp_avg, exp_avg_sq);
  else
    adam<double>(p, param, grad, exp_avg, exp_avg_sq);
}

void CpuBackend::sgd_step(const SgdParams& p, const TensorDesc& param, const TensorDesc& grad,
                          const TensorDesc& momentum_buffer) {
  if (param.dtype == DType::F32)
    sgd<float>(p, param, grad, momentum_buffer);
  else
    sgd<double>(p, param, grad, momentum_buffer);
}

}  // namespace ganforge::kernels
