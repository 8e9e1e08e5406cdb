// cpu activations and softmax. Activations are elementwise maps (map.h: any strides, split
// over threads, unit-stride loops vectorised) in the tensor's own type; tanh and sigmoid
// only ever exponentiate non-positive numbers, so large |x| gives ±1 / 0 / 1, never NaN.
// Softmax runs over contiguous [outer, size, inner] blocks, parallel over `outer`, with
// sums and exponentials in double (the result is the formula rounded once).
#include <cmath>
#include <vector>

#include "kernels/cpu/cpu_backend.h"
#include "kernels/cpu/map.h"

namespace ganforge::kernels {

using cpu::map1;
using cpu::map2;
using cpu::typed;

namespace {

template <class T>
void forward(ActivationOp op, const TensorDesc& y, const TensorDesc& x, T slope) {
  switch (op) {
    case ActivationOp::Relu: map1<T, T>(y, x, [](T v) { return v < 0 ? T(0) : v; }); break;
    case ActivationOp::LeakyRelu: map1<T, T>(y, x, [slope](T v) { return v < 0 ? v * slope : v; }); break;
    case ActivationOp::Tanh: map1<T, T>(y, x, [](T v) { return std::tanh(v); }); break;
    case ActivationOp::Sigmoid:
      map1<T, T>(y, x, [](T v) {
        const T e = std::exp(-std::fabs(v));
        return v >= 0 ? T(1) / (T(1) + e) : e / (T(1) + e);
      });
      break;
  }
}

template <class T>
void backward(ActivationOp op, const TensorDesc& dx, const TensorDesc& dy, const TensorDesc& x, const TensorDesc& y,
              T slope) {
  switch (op) {
    case ActivationOp::Relu: map2<T>(dx, dy, x, [](T g, T v) { return v > 0 ? g : T(0); }); break;
    case ActivationOp::LeakyRelu: map2<T>(dx, dy, x, [slope](T g, T v) { return v > 0 ? g : g * slope; }); break;
    case ActivationOp::Tanh:  // 1 - t², without cancellation near |t| = 1
      map2<T>(dx, dy, y, [](T g, T t) { return g * ((T(1) - t) * (T(1) + t)); });
      break;
    case ActivationOp::Sigmoid: map2<T>(dx, dy, y, [](T g, T s) { return g * s * (T(1) - s); }); break;
  }
}

struct Around {
  int64_t outer = 1, size = 1, inner = 1;
  Around(const TensorDesc& t, int dim) {
    for (int d = 0; d < t.ndim; ++d) (d < dim ? outer : (d == dim ? size : inner)) *= t.shape[d];
  }
};

// softmax: y = exp(x - max) / Σ exp(x - max);  log_softmax: y = x - max - log Σ exp(x - max).
// `inner` columns are handled side by side, so the loops over them are unit-stride.
template <class T>
void softmax(const TensorDesc& yd, const TensorDesc& xd, int dim, bool log) {
  const Around a(xd, dim);
  const T* x = typed<const T>(xd);
  T* y = typed<T>(yd);
  cpu::parallel_for(a.outer, 3 * a.size * a.inner, [&](int64_t begin, int64_t end) {
    std::vector<double> max(static_cast<size_t>(a.inner)), sum(static_cast<size_t>(a.inner));
    for (int64_t o = begin; o < end; ++o) {
      const T* px = x + o * a.size * a.inner;
      T* py = y + o * a.size * a.inner;
      std::fill(max.begin(), max.end(), -INFINITY);
      std::fill(sum.begin(), sum.end(), 0.0);
      for (int64_t k = 0; k < a.size; ++k)
        for (int64_t i = 0; i < a.inner; ++i) max[i] = std::fmax(max[i], static_cast<double>(px[k * a.inner + i]));
      for (int64_t i = 0; i < a.inner; ++i)
        if (std::isinf(max[i])) max[i] = 0;  // all -inf (or some +inf): no shift, as PyTorch
      for (int64_t k = 0; k < a.size; ++k)
        for (int64_t i = 0; i < a.inner; ++i) sum[i] += std::exp(static_cast<double>(px[k * a.inner + i]) - max[i]);
      if (log)
        for (int64_t i = 0; i < a.inner; ++i) sum[i] = std::log(sum[i]);
      for (int64_t k = 0; k < a.size; ++k)
        for (int64_t i = 0; i < a.inner; ++i) {
          const double shifted = static_cast<double>(px[k * a.inner + i]) - max[i];
          py[k * a.inner + i] = static_cast<T>(log ? shifted - sum[i] : std::exp(shifted) / sum[i]);
        }
    }
  });
}

// softmax: dx = y·(dy - Σ dy·y);  log_softmax: dx = dy - exp(y)·Σ dy
template <class T>
void softmax_grad(const TensorDesc& dxd, const TensorDesc& dyd, const TensorDesc& yd, int dim, bool log) {
  const Around a(yd, dim);
  const T* y = typed<const T>(yd);
  const T* dy = typed<const T>(dyd);
  T* dx = typed<T>(dxd);
  cpu::parallel_for(a.outer, 2 * a.size * a.inner, [&](int64_t begin, int64_t end) {
    std::vector<double> sum(static_cast<size_t>(a.inner));
    for (int64_t o = begin; o < end; ++o) {
      const int64_t base = o * a.size * a.inner;
      std::fill(sum.begin(), sum.end(), 0.0);
      for (int64_t k = 0; k < a.size; ++k)
        for (int64_t i = 0; i < a.inner; ++i) {
          const int64_t at = base + k * a.inner + i;
          sum[i] += log ? static_cast<double>(dy[at]) : static_cast<double>(dy[at]) * static_cast<double>(y[at]);
        }
      for (int64_t k = 0; k < a.size; ++k)
        for (int64_t i = 0; i < a.inner; ++i) {
          const int64_t at = base + k * a.inner + i;
          const double g = static_cast<double>(dy[at]), v = static_cast<double>(y[at]);
          dx[at] = static_cast<T>(log ? g - std::exp(v) * sum[i] : v * (g - sum[i]));
        }
    }
  });
}

}  // namespace

void CpuBackend::activation_forward(ActivationOp op, const TensorDesc& y, const TensorDesc& x, double slope) {
  if (x.dtype == DType::F32)
    forward<float>(op, y, x, static_cast<float>(slope));
  else
    forward<double>(op, y, x, slope);
}

void CpuBackend::activation_backward(ActivationOp op, const TensorDesc& dx, const TensorDesc& dy, const TensorDesc& x,
                                     const TensorDesc& y, double slope) {
  if (dy.dtype == DType::F32)
    backward<float>(op, dx, dy, x, y, static_cast<float>(slope));
  else
    backward<double>(op, dx, dy, x, y, slope);
}

void CpuBackend::softmax_forward(const TensorDesc& y, const TensorDesc& x, int dim, bool log) {
  if (x.dtype == DType::F32)
    softmax<float>(y, x, dim, log);
  else
    softmax<double>(y, x, dim, log);
}

void CpuBackend::softmax_backward(const TensorDesc& dx, const TensorDesc& dy, const TensorDesc& y, int dim, bool log) {
  if (y.dtype == DType::F32)
    softmax_grad<float>(dx, dy, y, dim, log);
  else
    softmax_grad<double>(dx, dy, y, dim, log);
}

}  // namespace ganforge::kernels
