#include "nn/init.h"

#include <cmath>
#include <stdexcept>

#include "core/autograd.h"

namespace ganforge::nn::init {
namespace {

TensorOptions like(const Tensor& t) { return TensorOptions{}.with_dtype(t.dtype()).with_device(t.device()); }

void check_floating(const char* what, const Tensor& t) {
  if (!t.defined()) throw std::invalid_argument(std::string(what) + ": the tensor is undefined");
  if (!is_floating(t.dtype()))
    throw std::invalid_argument(std::string(what) + ": expects a floating tensor; got " + dtype_name(t.dtype()));
}

// Overwrites t's data; parameters require grad, so this runs with recording off.
void assign(const Tensor& t, const Tensor& value) {
  NoGradGuard no_grad;
  Tensor(t.impl_ptr()).copy_(value);
}

}  // namespace

Fans fans(const Tensor& weight) {
  if (weight.dim() < 1) throw std::invalid_argument("init: fan_in and fan_out need a tensor with at least 1 dim");
  if (weight.dim() == 1) return {weight.size(0), weight.size(0)};
  int64_t receptive = 1;
  for (int d = 2; d < weight.dim(); ++d) receptive *= weight.size(d);
  return {weight.size(1) * receptive, weight.size(0) * receptive};
}

double calculate_gain(const std::string& nonlinearity, double param) {
  if (nonlinearity == "linear" || nonlinearity == "conv2d" || nonlinearity == "conv_transpose2d" || nonlinearity == "sigmoid")
    return 1;
  if (nonlinearity == "tanh") return 5.0 / 3.0;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") return std::sqrt(2.0 / (1 + param * param));
  if (nonlinearity == "selu") return 0.75;
  throw std::invalid_argument("calculate_gain: unknown nonlinearity '" + nonlinearity +
                              "'; expected linear, conv2d, sigmoid, tanh, relu, leaky_relu or selu");
}

void uniform_(const Tensor& t, double low, double high, Generator* gen) {
  check_floating("uniform_", t);
  assign(t, rand(t.shape(), like(t), gen, low, high));
}

void normal_(const Tensor& t, double mean, double std, Generator* gen) {
  check_floating("normal_", t);
  assign(t, randn(t.shape(), like(t), gen, mean, std));
}

void constant_(const Tensor& t, double value) {
  check_floating("constant_", t);
  NoGradGuard no_grad;
  Tensor(t.impl_ptr()).fill_(value);
}

void zeros_(const Tensor& t) { constant_(t, 0); }
void ones_(const Tensor& t) { constant_(t, 1); }

void xavier_uniform_(const Tensor& t, double gain, Generator* gen) {
  const Fans f = fans(t);
  const double bound = gain * std::sqrt(6.0 / static_cast<double>(f.in + f.out));
  uniform_(t, -bound, bound, gen);
}

void xavier_normal_(const Tensor& t, double gain, Generator* gen) {
  const Fans f = fans(t);
  normal_(t, 0, gain * std::sqrt(2.0 / static_cast<double>(f.in + f.out)), gen);
}

namespace {
double kaiming_std(const Tensor& t, double a, FanMode mode, const std::string& nonlinearity) {
  const Fans f = fans(t);
  const int64_t fan = mode == FanMode::FanIn ? f.in : f.out;
  if (fan == 0) throw std::invalid_argument("kaiming init: a tensor of shape " + shape_str(t.shape()) + " has fan 0");
  return calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(fan));
}
}  // namespace

void kaiming_uniform_(const Tensor& t, double a, FanMode mode, const std::string& nonlinearity, Generator* gen) {
  const double bound = std::sqrt(3.0) * kaiming_std(t, a, mode, nonlinearity);
  uniform_(t, -bound, bound, gen);
}

void kaiming_normal_(const Tensor& t, double a, FanMode mode, const std::string& nonlinearity, Generator* gen) {
  normal_(t, 0, kaiming_std(t, a, mode, nonlinearity), gen);
}

void default_layer_init_(const Tensor& weight, const Tensor& bias, Generator* gen) {
  kaiming_uniform_(weight, std::sqrt(5.0), FanMode::FanIn, "leaky_relu", gen);
  if (!bias.defined()) return;
  const int64_t fan_in = fans(weight).in;
  const double bound = fan_in > 0 ? 1 / std::sqrt(static_cast<double>(fan_in)) : 0;
  uniform_(bias, -bound, bound, gen);
}

}  // namespace ganforge::nn::init
