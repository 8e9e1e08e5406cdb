#include "nn/norm.h"

#include <cstdio>
#include <stdexcept>

#include "core/autograd.h"
#include "core/layer_ops.h"
#include "core/ops.h"
#include "nn/init.h"

namespace ganforge::nn {
namespace {

std::string number(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", v);
  return text;
}

}  // namespace

BatchNorm::BatchNorm(int64_t c, BatchNormOptions o, const TensorOptions& t) : num_features(c), options(o) {
  if (c <= 0) throw std::invalid_argument("BatchNorm: num_features must be positive; got " + std::to_string(c));
  if (o.eps <= 0) throw std::invalid_argument("BatchNorm: eps must be positive; got " + number(o.eps));
  if (o.momentum && (*o.momentum < 0 || *o.momentum > 1))
    throw std::invalid_argument("BatchNorm: momentum must be in [0, 1]; got " + number(*o.momentum));
  if (o.affine) {
    weight = register_parameter("weight", ones({c}, t));
    bias = register_parameter("bias", zeros({c}, t));
  }
  if (o.track_running_stats) {
    running_mean = register_buffer("running_mean", zeros({c}, t));
    running_var = register_buffer("running_var", ones({c}, t));
    num_batches_tracked =
        register_buffer("num_batches_tracked", zeros({}, t.with_dtype(DType::I64).with_requires_grad(false)));
  }
}

template <class Normalise>
Tensor BatchNorm::forward_with(const Tensor& x, Normalise&& normalise) {
  check_input(x);
  const bool use_batch_stats = is_training() || !options.track_running_stats;
  const bool update = is_training() && options.track_running_stats;
  double momentum = options.momentum.value_or(0);
  if (update && !options.momentum) momentum = 1.0 / static_cast<double>(num_batches_tracked.item<int64_t>() + 1);
  // Running statistics exist only when tracked: updated in training, used in eval.
  Tensor y = normalise(use_batch_stats, momentum);
  if (update) {  // counted only once the batch was accepted
    NoGradGuard no_grad;
    num_batches_tracked.add_(ones_like(num_batches_tracked));
  }
  return y;
}

Tensor BatchNorm::normalise_across_replicas(const Tensor& x, double momentum) {
  std::vector<int> dims{0};
  for (int d = 2; d < x.dim(); ++d) dims.push_back(d);
  const int64_t count = x.numel() / num_features * cross_replica->replicas;
  if (count <= 1)
    throw std::invalid_argument("BatchNorm: Expected more than 1 value per channel when training, got input of shape " +
                                shape_str(x.shape()) + " on " + std::to_string(cross_replica->replicas) + " replicas");
  const Tensor mean = cross_replica->sum(x.sum(dims, true)) * (1.0 / static_cast<double>(count));
  const Tensor centered = x - mean;
  const Tensor var = cross_replica->sum((centered * centered).sum(dims, true)) * (1.0 / static_cast<double>(count));
  Tensor y = centered * pow(var + options.eps, -0.5);
  Shape channel_shape(static_cast<size_t>(x.dim()), 1);
  channel_shape[1] = num_features;
  if (options.affine) y = y * weight.reshape(channel_shape) + bias.reshape(channel_shape);
  if (options.track_running_stats) {
    NoGradGuard no_grad;
    const double unbiased = static_cast<double>(count) / static_cast<double>(count - 1);
    running_mean.mul_(1 - momentum).add_(mean.reshape({num_features}), momentum);
    running_var.mul_(1 - momentum).add_(var.reshape({num_features}), momentum * unbiased);
  }
  return y;
}

Tensor BatchNorm::forward(const Tensor& x) {
  return forward_with(x, [&](bool batch_stats, double momentum) {
    if (batch_stats && cross_replica) return normalise_across_replicas(x, momentum);
    return batch_norm(x, weight, bias, running_mean, running_var, batch_stats, momentum, options.eps);
  });
}

Tensor BatchNorm::forward_relu(const Tensor& x) {
  return forward_with(x, [&](bool batch_stats, double momentum) {
    if (batch_stats && cross_replica) return relu(normalise_across_replicas(x, momentum));
    return batch_norm_relu(x, weight, bias, running_mean, running_var, batch_stats, momentum, options.eps);
  });
}

Tensor BatchNorm::forward_leaky_relu(const Tensor& x, double negative_slope) {
  return forward_with(x, [&](bool batch_stats, double momentum) {
    if (batch_stats && cross_replica) return leaky_relu(normalise_across_replicas(x, momentum), negative_slope);
    return batch_norm_leaky_relu(x, weight, bias, running_mean, running_var, batch_stats, momentum, options.eps,
                                 negative_slope);
  });
}

std::string BatchNorm::extra_repr() const {
  return std::to_string(num_features) + ", eps=" + number(options.eps) +
         ", momentum=" + (options.momentum ? number(*options.momentum) : "None") + ", affine=" + (options.affine ? "True" : "False") +
         ", track_running_stats=" + (options.track_running_stats ? "True" : "False");
}

void BatchNorm1d::check_input(const Tensor& x) const {
  if ((x.dim() != 2 && x.dim() != 3) || x.size(1) != num_features)
    throw std::invalid_argument("BatchNorm1d(" + std::to_string(num_features) + "): expected input [N, " +
                                std::to_string(num_features) + "] or [N, " + std::to_string(num_features) + ", L]; got " +
                                shape_str(x.shape()));
}

void BatchNorm2d::check_input(const Tensor& x) const {
  if (x.dim() != 4 || x.size(1) != num_features)
    throw std::invalid_argument("BatchNorm2d(" + std::to_string(num_features) + "): expected input [N, " +
                                std::to_string(num_features) + ", H, W]; got " + shape_str(x.shape()));
}

InstanceNorm2d::InstanceNorm2d(int64_t c, InstanceNormOptions o, const TensorOptions& t) : num_features(c), options(o) {
  if (c <= 0) throw std::invalid_argument("InstanceNorm2d: num_features must be positive; got " + std::to_string(c));
  if (o.eps <= 0) throw std::invalid_argument("InstanceNorm2d: eps must be positive; got " + number(o.eps));
  if (o.affine) {
    weight = register_parameter("weight", ones({c}, t));
    bias = register_parameter("bias", zeros({c}, t));
  }
}

Tensor InstanceNorm2d::forward(const Tensor& x) {
  if (x.dim() != 4 || x.size(1) != num_features)
    throw std::invalid_argument("InstanceNorm2d(" + std::to_string(num_features) + "): expected input [N, " +
                                std::to_string(num_features) + ", H, W]; got " + shape_str(x.shape()));
  return instance_norm(x, weight, bias, options.eps);
}

std::string InstanceNorm2d::extra_repr() const {
  return std::to_string(num_features) + ", eps=" + number(options.eps) + ", affine=" + (options.affine ? "True" : "False");
}

}  // namespace ganforge::nn
