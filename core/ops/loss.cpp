// Fused losses: the forward is one loss_forward primitive giving a 0-d tensor, the input's
// gradient one loss_backward primitive. Target gradients (where the loss is differentiable
// in the target) are short formulas over ordinary ops.
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/dispatch.h"
#include "core/layer_ops.h"
#include "core/ops.h"

namespace ganforge {
namespace {

using kernels::LossOp;

TensorOptions like(const Tensor& x) { return TensorOptions{x.dtype(), x.device(), false}; }

double term_count(LossOp op, const Tensor& input) {
  return static_cast<double>(op == LossOp::CrossEntropy ? input.size(0) : input.numel());
}

// d loss / d target, given the upstream scalar already divided by the term count (mean).
Tensor target_gradient(LossOp op, const Tensor& input, const Tensor& grad_input, double g) {
  switch (op) {
    case LossOp::Mse:
    case LossOp::L1: return -grad_input;  // the term depends on input - target only
    case LossOp::Bce:                     // d/dt = log(1 - p) - log p, with the logs clamped at -100
      return (clamp(log(1.0 - input), -100, INFINITY) - clamp(log(input), -100, INFINITY)) * g;
    case LossOp::BceWithLogits: return input * -g;  // d/dt = -z
    case LossOp::CrossEntropy: break;
  }
  return Tensor();
}

Tensor pointwise_loss(LossOp op, const Tensor& input_in, const Tensor& target_in, Reduction reduction) {
  const char* name = kernels::op_name(op);
  check_same_device(name, {input_in, target_in});
  if (!is_floating(input_in.dtype()))
    throw std::invalid_argument(std::string(name) + ": expects a floating input (f32 or f64); got " + dtype_name(input_in.dtype()));
  if (input_in.shape() != target_in.shape())
    throw std::invalid_argument(std::string(name) + ": input " + shape_str(input_in.shape()) + " and target " +
                                shape_str(target_in.shape()) + " must have the same shape");
  Tensor input = input_in.contiguous(), target = target_in.to(input_in.dtype()).contiguous();
  if (op == LossOp::Bce && input.numel() > 0) {
    NoGradGuard no_grad;
    const double low = amin(input).item<double>(), high = amax(input).item<double>();
    if (!(low >= 0 && high <= 1))
      throw std::invalid_argument("binary_cross_entropy: the input holds probabilities and must lie in [0, 1]; got values in [" +
                                  std::to_string(low) + ", " + std::to_string(high) + "] (use binary_cross_entropy_with_logits on logits)");
  }
  Tensor loss = empty({}, like(input));
  backend_for(input.device()).loss_forward(op, reduction, describe(loss), describe(input), describe(target));
  record(name, {input, target}, loss, {input, target}, [op, reduction](const Tensor& g, const BackwardContext& ctx) -> std::vector<Tensor> {
    const Tensor &x = ctx[0], &t = ctx[1];
    const double upstream = g.item<double>();
    Tensor gx = empty(x.shape(), like(x));
    backend_for(x.device()).loss_backward(op, reduction, upstream, describe(gx), describe(x), describe(t));
    const double scale = reduction == Reduction::Mean ? upstream / term_count(op, x) : upstream;
    Tensor gt = ctx.needs(1) ? target_gradient(op, x, gx, scale) : Tensor();
    return {ctx.needs(0) ? gx : Tensor(), gt};
  });
  return loss;
}

}  // namespace

// d/dx = 2(x - t), d/dt = -2(x - t)   (÷ numel for the mean)
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  return pointwise_loss(LossOp::Mse, input, target, reduction);
}

// d/dx = sign(x - t), d/dt = -sign(x - t)
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  return pointwise_loss(LossOp::L1, input, target, reduction);
}

// d/dp = (p - t) / max(p(1 - p), 1e-12), d/dt = log(1 - p) - log p
Tensor binary_cross_entropy(const Tensor& probabilities, const Tensor& target, Reduction reduction) {
  return pointwise_loss(LossOp::Bce, probabilities, target, reduction);
}

// d/dz = sigmoid(z) - t, d/dt = -z
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target, Reduction reduction) {
  return pointwise_loss(LossOp::BceWithLogits, logits, target, reduction);
}

// loss_n = log Σ_j exp(z_nj) - z_n,t_n;  d/dz_nj = softmax(z_n)_j - [j = t_n]   (÷ N for the mean)
Tensor cross_entropy(const Tensor& logits_in, const Tensor& targets_in, Reduction reduction) {
  check_same_device("cross_entropy", {logits_in, targets_in});
  if (logits_in.dim() != 2 || !is_floating(logits_in.dtype()))
    throw std::invalid_argument("cross_entropy: expected floating logits of shape [N, C]; got " + shape_str(logits_in.shape()) +
                                " " + dtype_name(logits_in.dtype()));
  if (targets_in.dim() != 1 || targets_in.dtype() != DType::I64 || targets_in.size(0) != logits_in.size(0))
    throw std::invalid_argument("cross_entropy: expected i64 class indices of shape [" + std::to_string(logits_in.size(0)) +
                                "] for logits " + shape_str(logits_in.shape()) + "; got " + shape_str(targets_in.shape()) +
                                " " + dtype_name(targets_in.dtype()));
  const int64_t classes = logits_in.size(1);
  Tensor targets = targets_in.contiguous();
  const std::vector<int64_t> labels = targets.to_vector<int64_t>();
  for (size_t n = 0; n < labels.size(); ++n)
    if (labels[n] < 0 || labels[n] >= classes)
      throw std::out_of_range("cross_entropy: target " + std::to_string(labels[n]) + " at position " + std::to_string(n) +
                              " is out of range for " + std::to_string(classes) + " classes (expected 0.." +
                              std::to_string(classes - 1) + ")");
  Tensor logits = logits_in.contiguous();
  Tensor loss = empty({}, like(logits));
  backend_for(logits.device()).loss_forward(LossOp::CrossEntropy, reduction, describe(loss), describe(logits), describe(targets));
  record("cross_entropy", {logits}, loss, {logits, targets}, [reduction](const Tensor& g, const BackwardContext& ctx) -> std::vector<Tensor> {
    Tensor gz = empty(ctx[0].shape(), like(ctx[0]));
    backend_for(gz.device()).loss_backward(LossOp::CrossEntropy, reduction, g.item<double>(), describe(gz), describe(ctx[0]),
                                           describe(ctx[1]));
    return {gz};
  });
  return loss;
}

}  // namespace ganforge
