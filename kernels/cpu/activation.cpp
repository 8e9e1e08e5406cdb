// cpu activations and softmax. Activations are elementwise maps (map.h: any strides, split
// over threads, unit-stride loops vectorised) of the formulas in
// kernels/common/activation_formulas.h, one loop per op (visit_op), in the tensor's own type.
// Softmax runs over contiguous [outer, size, inner] blocks, parallel over `outer`, with
// sums and exponentials in double (the result is the formula rounded once).
#include <cmath>
#include <type_traits>
#include <vector>

#include "kernels/common/activation_formulas.h"
#include "kernels/common/layer_geometry.h"
#include "kernels/cpu/cpu_backend.h"
#include "kernels/cpu/map.h"
#include "kernels/cpu/vector_math.h"

namespace ganforge::kernels {

using cpu::map1;
using cpu::map2;

namespace {

// softmax: y = exp(x - max) / Σ exp(x - max);  log_softmax: y = x - max - log Σ exp(x - max).
// `inner` columns are handled side by side, so the loops over them are unit-stride.
template <class T>
void softmax(const TensorDesc& yd, const TensorDesc& xd, int dim, bool log) {
  const AroundDim a(xd, dim);
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
  const AroundDim a(yd, dim);
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

void CpuBackend::activation_forward(ActivationOp op, const TensorDesc& y, const TensorDesc& x, double alpha) {
  dispatch_floating("activation_forward", x.dtype, [&](auto type) {
    using T = decltype(type);
    const T a = static_cast<T>(alpha);
    visit_op(op, [&]<ActivationOp o>() {
      // libm's tanhf is a scalar call; the shared formula stays for cuda, where tanhf is fast
      if constexpr (o == ActivationOp::Tanh && std::is_same_v<T, float>)
        map1<T, T>(y, x, [](float v) { return cpu::tanh_f32(v); });
      else
        map1<T, T>(y, x, [a](T v) { return activation_forward_value(o, v, a); });
    });
  });
}

// Reads dy and, as backward_reads(op) says, x or y: the one operand is passed as both.
void CpuBackend::activation_backward(ActivationOp op, const TensorDesc& dx, const TensorDesc& dy, const TensorDesc& x,
                                     const TensorDesc& y, double alpha) {
  dispatch_floating("activation_backward", dy.dtype, [&](auto type) {
    using T = decltype(type);
    const T a = static_cast<T>(alpha);
    visit_op(op, [&]<ActivationOp o>() {
      map2<T>(dx, dy, backward_reads(o) == Reads::Input ? x : y,
              [a](T g, T v) { return activation_backward_value(o, g, v, v, a); });
    });
  });
}

void CpuBackend::softmax_forward(SoftmaxOp op, const TensorDesc& y, const TensorDesc& x, int dim) {
  dispatch_floating("softmax_forward", x.dtype,
                    [&](auto type) { softmax<decltype(type)>(y, x, dim, op == SoftmaxOp::LogSoftmax); });
}

void CpuBackend::softmax_backward(SoftmaxOp op, const TensorDesc& dx, const TensorDesc& dy, const TensorDesc& y, int dim) {
  dispatch_floating("softmax_backward", y.dtype,
                    [&](auto type) { softmax_grad<decltype(type)>(dx, dy, y, dim, op == SoftmaxOp::LogSoftmax); });
}

}  // namespace ganforge::kernels
