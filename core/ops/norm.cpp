// Batch norm and instance norm. Both normalise a contiguous view [N, C, S] per channel with
// the batch_norm_* primitives; instance norm is batch norm of [1, N·C, S] (every (n, c)
// plane is its own channel) with its affine applied afterwards by ordinary ops.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "core/dispatch.h"
#include "core/layer_ops.h"
#include "core/ops.h"

namespace ganforge {

using kernels::ActivationOp;

namespace {


TensorOptions like(const Tensor& x) { return TensorOptions{x.dtype(), x.device(), false}; }

void check_input(const char* op, const Tensor& x, int min_dims, const char* expected) {
  if (x.dim() < min_dims || x.dim() > 4)
    throw std::invalid_argument(std::string(op) + ": expected x of shape " + expected + "; got " + shape_str(x.shape()));
  if (!is_floating(x.dtype()))
    throw std::invalid_argument(std::string(op) + ": expected a floating x (f32 or f64); got " + dtype_name(x.dtype()));
}

// gamma, beta and the running statistics are [C] vectors of x's dtype; the running
// statistics are written in place, so they must be contiguous and outside autograd.
void check_channel_vector(const char* op, const char* what, const Tensor& t, const Tensor& x, int64_t channels,
                          bool written) {
  if (!t.defined()) return;
  check_same_device(op, {x, t});
  if (t.dim() != 1 || t.size(0) != channels)
    throw std::invalid_argument(std::string(op) + ": " + what + " must have shape [" + std::to_string(channels) +
                                "] (one value per channel of x " + shape_str(x.shape()) + "); got " + shape_str(t.shape()));
  if (t.dtype() != x.dtype())
    throw std::invalid_argument(std::string(op) + ": " + what + " is " + dtype_name(t.dtype()) + " but x is " +
                                dtype_name(x.dtype()) + "; they must match");
  if (written && (!t.is_contiguous() || t.requires_grad()))
    throw std::invalid_argument(std::string(op) + ": " + what +
                                " is updated in place, so it must be contiguous and must not require grad");
}

// Per-channel factor [C] seen as [1, C, 1] against x [N, C, S].
Tensor per_channel(const Tensor& v) { return v.reshape({1, v.size(0), 1}); }

// The activation fused after a batch norm: its op and parameter.
struct FusedActivation {
  ActivationOp op;
  double alpha;
};

// Training-mode normalisation of x3 [N, C, S] with the batch statistics.
Tensor normalise_with_batch_stats(const char* op, const Tensor& x3, const Tensor& gamma, const Tensor& beta,
                                  const Tensor& running_mean, const Tensor& running_var, double momentum, double eps) {
  const int64_t channels = x3.size(1);
  Tensor y = empty(x3.shape(), like(x3));
  Tensor mean = empty({channels}, like(x3)), invstd = empty({channels}, like(x3));
  backend_for(x3.device()).batch_norm_forward_train(describe(x3), describe_optional(gamma), describe_optional(beta), describe_optional(running_mean),
                                                    describe_optional(running_var), momentum, eps, describe(y), describe(mean),
                                                    describe(invstd));
  for (const Tensor& r : {running_mean, running_var})
    if (r.defined()) r.storage()->bump_version();
  // x̂ = (x - mean)·invstd over the m values of a channel:
  // dβ = Σdy, dγ = Σdy·x̂, dx = γ·invstd·(dy - dβ/m - x̂·dγ/m)
  record(op, {x3, gamma, beta}, y, {x3, gamma, mean, invstd}, [](const Tensor& g, const BackwardContext& ctx) -> std::vector<Tensor> {
    const Tensor& x = ctx[0];
    Tensor dy = g.contiguous();
    Tensor dx = ctx.needs(0) ? empty(x.shape(), like(x)) : Tensor();
    Tensor dgamma = ctx.needs(1) ? empty({x.size(1)}, like(x)) : Tensor();
    Tensor dbeta = ctx.needs(2) ? empty({x.size(1)}, like(x)) : Tensor();
    backend_for(x.device()).batch_norm_backward(describe(dy), describe(x), describe_optional(ctx[1]), describe(ctx[2]),
                                                describe(ctx[3]), describe_optional(dx), describe_optional(dgamma), describe_optional(dbeta));
    return {dx, dgamma, dbeta};
  });
  return y;
}

// The same followed by an activation, as one primitive each way: y = act(x̂·γ + β), and the
// backward is batch norm's of dy·act', with act' read from y (kernels/primitives.h).
Tensor normalise_activate_with_batch_stats(const Tensor& x3, const Tensor& gamma, const Tensor& beta,
                                           const Tensor& running_mean, const Tensor& running_var, double momentum,
                                           double eps, FusedActivation act) {
  const int64_t channels = x3.size(1);
  Tensor y = empty(x3.shape(), like(x3));
  Tensor mean = empty({channels}, like(x3)), invstd = empty({channels}, like(x3));
  backend_for(x3.device()).batch_norm_act_forward_train(act.op, act.alpha, describe(x3), describe_optional(gamma),
                                                        describe_optional(beta), describe_optional(running_mean),
                                                        describe_optional(running_var), momentum, eps, describe(y),
                                                        describe(mean), describe(invstd));
  for (const Tensor& r : {running_mean, running_var})
    if (r.defined()) r.storage()->bump_version();
  record("batch_norm_activation", {x3, gamma, beta}, y, {x3, gamma, mean, invstd, y.detach()},
         [act](const Tensor& g, const BackwardContext& ctx) -> std::vector<Tensor> {
           const Tensor& x = ctx[0];
           Tensor dy = g.contiguous();
           Tensor dx = ctx.needs(0) ? empty(x.shape(), like(x)) : Tensor();
           Tensor dgamma = ctx.needs(1) ? empty({x.size(1)}, like(x)) : Tensor();
           Tensor dbeta = ctx.needs(2) ? empty({x.size(1)}, like(x)) : Tensor();
           backend_for(x.device()).batch_norm_act_backward(act.op, act.alpha, describe(dy), describe(ctx[4]), describe(x),
                                                           describe_optional(ctx[1]), describe(ctx[2]), describe(ctx[3]),
                                                           describe_optional(dx), describe_optional(dgamma),
                                                           describe_optional(dbeta));
           return {dx, dgamma, dbeta};
         });
  return y;
}

// Eval-mode normalisation with the running statistics (fixed numbers, not functions of x).
Tensor normalise_with_running_stats(const Tensor& x3, const Tensor& gamma, const Tensor& beta,
                                    const Tensor& running_mean, const Tensor& running_var, double eps) {
  Tensor y = empty(x3.shape(), like(x3));
  backend_for(x3.device()).batch_norm_forward_eval(describe(x3), describe_optional(gamma), describe_optional(beta), describe(running_mean),
                                                   describe(running_var), eps, describe(y));
  Tensor mean, invstd;
  {
    NoGradGuard no_grad;  // copies: later updates of the running buffers must not alter this backward
    mean = running_mean.clone();
    invstd = 1.0 / sqrt(running_var + eps);
  }
  // y = (x - μ)·s·γ + β with μ, s fixed: dx = dy·γ·s, dγ = Σdy·(x - μ)·s, dβ = Σdy
  record("batch_norm", {x3, gamma, beta}, y, {x3, gamma, mean, invstd},
         [](const Tensor& g, const BackwardContext& ctx) -> std::vector<Tensor> {
           const Tensor &x = ctx[0], &gamma = ctx[1];
           Tensor s = per_channel(ctx[3]);
           Tensor dx = ctx.needs(0) ? g * (gamma.defined() ? s * per_channel(gamma) : s) : Tensor();
           Tensor dgamma = ctx.needs(1) ? sum(g * (x - per_channel(ctx[2])) * s, {0, 2}) : Tensor();
           Tensor dbeta = ctx.needs(2) ? sum(g, {0, 2}) : Tensor();
           return {dx, dgamma, dbeta};
         });
  return y;
}

}  // namespace

namespace {

// batch_norm, followed in training mode by `act` in the same primitives when it is given.
Tensor batch_norm_then(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                       const Tensor& running_var, bool training, double momentum, double eps,
                       const FusedActivation* act) {
  const char* op = "batch_norm";
  check_input(op, x, 2, "[N, C], [N, C, L] or [N, C, H, W]");
  const int64_t channels = x.size(1);
  check_channel_vector(op, "gamma", gamma, x, channels, false);
  check_channel_vector(op, "beta", beta, x, channels, false);
  check_channel_vector(op, "running_mean", running_mean, x, channels, true);
  check_channel_vector(op, "running_var", running_var, x, channels, true);
  if (running_mean.defined() != running_var.defined())
    throw std::invalid_argument("batch_norm: give both running_mean and running_var, or neither");
  if (!(eps >= 0)) throw std::invalid_argument("batch_norm: eps must be >= 0; got " + std::to_string(eps));
  const int64_t values = x.numel() / std::max<int64_t>(channels, 1);
  Tensor x3 = x.contiguous().reshape({x.size(0), channels, values / std::max<int64_t>(x.size(0), 1)});
  Tensor g = gamma.defined() ? gamma.contiguous() : Tensor(), b = beta.defined() ? beta.contiguous() : Tensor();
  Tensor y;
  if (training) {
    if (values <= 1)
      throw std::invalid_argument("batch_norm: Expected more than 1 value per channel when training, got input of shape " +
                                  shape_str(x.shape()));
    y = act ? normalise_activate_with_batch_stats(x3, g, b, running_mean, running_var, momentum, eps, *act)
            : normalise_with_batch_stats(op, x3, g, b, running_mean, running_var, momentum, eps);
  } else {
    if (!running_mean.defined())
      throw std::invalid_argument("batch_norm: eval mode (training = false) needs running_mean and running_var");
    y = normalise_with_running_stats(x3, g, b, running_mean, running_var, eps);
    if (act) y = act->op == ActivationOp::Relu ? relu(y) : leaky_relu(y, act->alpha);
  }
  return y.reshape(x.shape());
}

}  // namespace

Tensor batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                  const Tensor& running_var, bool training, double momentum, double eps) {
  return batch_norm_then(x, gamma, beta, running_mean, running_var, training, momentum, eps, nullptr);
}

Tensor batch_norm_relu(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                       const Tensor& running_var, bool training, double momentum, double eps) {
  const FusedActivation act{ActivationOp::Relu, 0};
  return batch_norm_then(x, gamma, beta, running_mean, running_var, training, momentum, eps, &act);
}

Tensor batch_norm_leaky_relu(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                             const Tensor& running_var, bool training, double momentum, double eps,
                             double negative_slope) {
  if (!(negative_slope >= 0))
    throw std::invalid_argument("batch_norm_leaky_relu: negative_slope must be >= 0 (the backward reads the sign of "
                                "the output); got " + std::to_string(negative_slope));
  const FusedActivation act{ActivationOp::LeakyRelu, negative_slope};
  return batch_norm_then(x, gamma, beta, running_mean, running_var, training, momentum, eps, &act);
}

Tensor instance_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps) {
  const char* op = "instance_norm";
  check_input(op, x, 3, "[N, C, L] or [N, C, H, W]");
  const int64_t n = x.size(0), channels = x.size(1);
  check_channel_vector(op, "gamma", gamma, x, channels, false);
  check_channel_vector(op, "beta", beta, x, channels, false);
  if (!(eps >= 0)) throw std::invalid_argument("instance_norm: eps must be >= 0; got " + std::to_string(eps));
  const int64_t spatial = x.numel() / std::max<int64_t>(n * channels, 1);
  if (spatial <= 1)
    throw std::invalid_argument("instance_norm: Expected more than 1 spatial element when training, got input of shape " +
                                shape_str(x.shape()));
  Tensor planes = x.contiguous().reshape({1, n * channels, spatial});
  Tensor y = normalise_with_batch_stats(op, planes, Tensor(), Tensor(), Tensor(), Tensor(), 0, eps).reshape(x.shape());
  Shape affine_shape(static_cast<size_t>(x.dim()), 1);
  affine_shape[1] = channels;
  if (gamma.defined()) y = y * gamma.reshape(affine_shape);
  if (beta.defined()) y = y + beta.reshape(affine_shape);
  return y;
}

}  // namespace ganforge
