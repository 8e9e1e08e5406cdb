// cpu fused losses over contiguous tensors. Terms are computed and summed in double over
// eight lanes (a vectorisable reduction for mse / l1); the backward is one elementwise loop.
#include <cmath>

#include "kernels/cpu/cpu_backend.h"
#include "kernels/cpu/map.h"

namespace ganforge::kernels {

using cpu::typed;

namespace {

constexpr int kLanes = 8;

// PyTorch clamps BCE's logs at -100, so p = 0 and p = 1 give a finite loss; NaN stays NaN.
inline double clamped_log(double v) {
  const double l = std::log(v);
  return l < -100 ? -100 : l;
}

inline double sigmoid(double z) {
  const double e = std::exp(-std::fabs(z));
  return z >= 0 ? 1 / (1 + e) : e / (1 + e);
}

template <class T, class F>
double sum_terms(const T* x, const T* t, int64_t n, F term) {
  double lanes[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) lanes[l] += term(static_cast<double>(x[i + l]), static_cast<double>(t[i + l]));
  double sum = 0;
  for (; i < n; ++i) sum += term(static_cast<double>(x[i]), static_cast<double>(t[i]));
  for (int l = 0; l < kLanes; ++l) sum += lanes[l];
  return sum;
}

template <class T, class F>
void each_gradient(T* gi, const T* x, const T* t, int64_t n, double g, F derivative) {
  cpu::parallel_for(n, 4, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i)
      gi[i] = static_cast<T>(g * derivative(static_cast<double>(x[i]), static_cast<double>(t[i])));
  });
}

// log Σ exp(z) of one row of `classes` logits, shifted by the maximum when it is finite.
template <class T>
double log_sum_exp(const T* z, int64_t classes) {
  double max = -INFINITY;
  for (int64_t j = 0; j < classes; ++j) max = std::fmax(max, static_cast<double>(z[j]));
  if (std::isinf(max)) max = 0;
  double sum = 0;
  for (int64_t j = 0; j < classes; ++j) sum += std::exp(static_cast<double>(z[j]) - max);
  return max + std::log(sum);
}

template <class T>
double forward_sum(LossOp op, const TensorDesc& input, const TensorDesc& target) {
  const T* x = typed<const T>(input);
  const int64_t n = input.numel();
  switch (op) {
    case LossOp::Mse: return sum_terms(x, typed<const T>(target), n, [](double a, double b) { return (a - b) * (a - b); });
    case LossOp::L1: return sum_terms(x, typed<const T>(target), n, [](double a, double b) { return std::fabs(a - b); });
    case LossOp::Bce:
      return sum_terms(x, typed<const T>(target), n,
                       [](double p, double t) { return -(t * clamped_log(p) + (1 - t) * clamped_log(1 - p)); });
    case LossOp::BceWithLogits:
      return sum_terms(x, typed<const T>(target), n, [](double z, double t) {
        return std::fmax(z, 0.0) - z * t + std::log1p(std::exp(-std::fabs(z)));
      });
    case LossOp::CrossEntropy: {
      const int64_t rows = input.shape[0], classes = input.shape[1];
      const int64_t* labels = typed<const int64_t>(target);
      double sum = 0;
      for (int64_t r = 0; r < rows; ++r) sum += log_sum_exp(x + r * classes, classes) - static_cast<double>(x[r * classes + labels[r]]);
      return sum;
    }
  }
  return 0;
}

template <class T>
void backward(LossOp op, double g, const TensorDesc& grad_input, const TensorDesc& input, const TensorDesc& target) {
  const T* x = typed<const T>(input);
  T* gi = typed<T>(grad_input);
  const int64_t n = input.numel();
  switch (op) {
    case LossOp::Mse: each_gradient(gi, x, typed<const T>(target), n, g, [](double a, double b) { return 2 * (a - b); }); break;
    case LossOp::L1:
      each_gradient(gi, x, typed<const T>(target), n, g, [](double a, double b) { return a > b ? 1.0 : (a < b ? -1.0 : 0.0); });
      break;
    case LossOp::Bce:  // (p - t) / (p (1 - p)), the denominator kept >= 1e-12 as in PyTorch
      each_gradient(gi, x, typed<const T>(target), n, g,
                    [](double p, double t) { return (p - t) / std::fmax((1 - p) * p, 1e-12); });
      break;
    case LossOp::BceWithLogits:
      each_gradient(gi, x, typed<const T>(target), n, g, [](double z, double t) { return sigmoid(z) - t; });
      break;
    case LossOp::CrossEntropy: {  // softmax(z) - one_hot(t), row by row
      const int64_t rows = input.shape[0], classes = input.shape[1];
      const int64_t* labels = typed<const int64_t>(target);
      cpu::parallel_for(rows, 4 * classes, [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) {
          const T* z = x + r * classes;
          const double lse = log_sum_exp(z, classes);
          for (int64_t j = 0; j < classes; ++j)
            gi[r * classes + j] = static_cast<T>(g * (std::exp(static_cast<double>(z[j]) - lse) - (j == labels[r] ? 1.0 : 0.0)));
        }
      });
      break;
    }
  }
}

double terms(LossOp op, const TensorDesc& input) {
  return static_cast<double>(op == LossOp::CrossEntropy ? input.shape[0] : input.numel());
}

}  // namespace

void CpuBackend::loss_forward(LossOp op, Reduction reduction, const TensorDesc& loss, const TensorDesc& input,
                              const TensorDesc& target) {
  double sum = input.dtype == DType::F32 ? forward_sum<float>(op, input, target) : forward_sum<double>(op, input, target);
  if (reduction == Reduction::Mean) sum /= terms(op, input);
  if (loss.dtype == DType::F32)
    *typed<float>(loss) = static_cast<float>(sum);
  else
    *typed<double>(loss) = sum;
}

void CpuBackend::loss_backward(LossOp op, Reduction reduction, double grad_loss, const TensorDesc& grad_input,
                               const TensorDesc& input, const TensorDesc& target) {
  const double g = reduction == Reduction::Mean ? grad_loss / terms(op, input) : grad_loss;
  if (input.dtype == DType::F32)
    backward<float>(op, g, grad_input, input, target);
  else
    backward<double>(op, g, grad_input, input, target);
}

}  // namespace ganforge::kernels
