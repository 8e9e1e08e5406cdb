// cpu fused losses over contiguous tensors. Terms are computed and summed in double over
// eight lanes (a vectorisable reduction for mse / l1); the backward is one elementwise loop.
#include <cmath>

#include "kernels/common/loss_formulas.h"
#include "kernels/cpu/cpu_backend.h"
#include "kernels/cpu/map.h"

namespace ganforge::kernels {
namespace {

constexpr int kLanes = 8;

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

// Σ terms, one loop per loss (visit_op folds the formula in).
template <class T>
double forward_sum(LossOp op, const TensorDesc& input, const TensorDesc& target) {
  const T* x = typed<const T>(input);
  if (op == LossOp::CrossEntropy) {
    const int64_t rows = input.shape[0], classes = input.shape[1];
    const int64_t* labels = typed<const int64_t>(target);
    double sum = 0;
    for (int64_t r = 0; r < rows; ++r) sum += log_sum_exp(x + r * classes, classes) - static_cast<double>(x[r * classes + labels[r]]);
    return sum;
  }
  double sum = 0;
  visit_op(op, [&]<LossOp o>() {
    sum = sum_terms(x, typed<const T>(target), input.numel(), [](double v, double t) { return loss_term(o, v, t); });
  });
  return sum;
}

template <class T>
void backward(LossOp op, double g, const TensorDesc& grad_input, const TensorDesc& input, const TensorDesc& target) {
  const T* x = typed<const T>(input);
  T* gi = typed<T>(grad_input);
  if (op == LossOp::CrossEntropy) {  // softmax(z) - one_hot(t), row by row
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
    return;
  }
  visit_op(op, [&]<LossOp o>() {
    each_gradient(gi, x, typed<const T>(target), input.numel(), g,
                  [](double v, double t) { return loss_term_derivative(o, v, t); });
  });
}

}  // namespace

void CpuBackend::loss_forward(LossOp op, Reduction reduction, const TensorDesc& loss, const TensorDesc& input,
                              const TensorDesc& target) {
  dispatch_floating("loss_forward", input.dtype, [&](auto type) {
    using T = decltype(type);
    double sum = forward_sum<T>(op, input, target);
    if (reduction == Reduction::Mean) sum /= loss_terms(op, input.numel(), input.shape[0]);
    *typed<T>(loss) = static_cast<T>(sum);
  });
}

void CpuBackend::loss_backward(LossOp op, Reduction reduction, double grad_loss, const TensorDesc& grad_input,
                               const TensorDesc& input, const TensorDesc& target) {
  const double g = reduction == Reduction::Mean ? grad_loss / loss_terms(op, input.numel(), input.shape[0]) : grad_loss;
  dispatch_floating("loss_backward", input.dtype, [&](auto type) { backward<decltype(type)>(op, g, grad_input, input, target); });
}

}  // namespace ganforge::kernels
