#include "nn/conv.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "core/layer_ops.h"
#include "nn/init.h"

namespace ganforge::nn {
namespace {

std::string pair_str(Pair p) {
  char text[48];
  std::snprintf(text, sizeof text, "(%lld, %lld)", static_cast<long long>(p.h), static_cast<long long>(p.w));
  return text;
}

void check_geometry(const char* layer, int64_t in, int64_t out, Pair k, Pair stride, Pair padding, Pair dilation) {
  auto positive = [&](const char* what, int64_t v) {
    if (v <= 0) throw std::invalid_argument(std::string(layer) + ": " + what + " must be positive; got " + std::to_string(v));
  };
  positive("in_channels", in);
  positive("out_channels", out);
  positive("kernel height", k.h);
  positive("kernel width", k.w);
  positive("stride", std::min(stride.h, stride.w));
  positive("dilation", std::min(dilation.h, dilation.w));
  if (padding.h < 0 || padding.w < 0)
    throw std::invalid_argument(std::string(layer) + ": padding must be >= 0; got " + pair_str(padding));
}

ConvParams params_of(Pair stride, Pair padding, Pair dilation) {
  return {stride.h, stride.w, padding.h, padding.w, padding.h, padding.w, dilation.h, dilation.w};
}

void check_input(const std::string& layer, const Tensor& x, int64_t in_channels) {
  if (x.dim() != 4 || x.size(1) != in_channels)
    throw std::invalid_argument(layer + ": expected input [N, " + std::to_string(in_channels) + ", H, W]; got " +
                                shape_str(x.shape()));
}

std::string repr(int64_t in, int64_t out, Pair k, Pair stride, Pair padding, Pair dilation, bool bias) {
  std::string s = std::to_string(in) + ", " + std::to_string(out) + ", kernel_size=" + pair_str(k) + ", stride=" + pair_str(stride);
  if (padding.h || padding.w) s += ", padding=" + pair_str(padding);
  if (dilation.h != 1 || dilation.w != 1) s += ", dilation=" + pair_str(dilation);
  if (!bias) s += ", bias=False";
  return s;
}

}  // namespace

Conv2d::Conv2d(int64_t in, int64_t out, Pair k, Conv2dOptions o, const TensorOptions& t)
    : in_channels(in), out_channels(out), kernel_size(k), options(o) {
  check_geometry("Conv2d", in, out, k, o.stride, o.padding, o.dilation);
  weight = register_parameter("weight", empty({out, in, k.h, k.w}, t));
  if (o.bias) bias = register_parameter("bias", empty({out}, t));
  init::default_layer_init_(weight, bias);
}

Tensor Conv2d::forward(const Tensor& x) {
  check_input("Conv2d(" + extra_repr() + ")", x, in_channels);
  return conv2d(x, weight, bias, params_of(options.stride, options.padding, options.dilation));
}

std::string Conv2d::extra_repr() const {
  return repr(in_channels, out_channels, kernel_size, options.stride, options.padding, options.dilation, bias.defined());
}

ConvTranspose2d::ConvTranspose2d(int64_t in, int64_t out, Pair k, ConvTranspose2dOptions o, const TensorOptions& t)
    : in_channels(in), out_channels(out), kernel_size(k), options(o) {
  check_geometry("ConvTranspose2d", in, out, k, o.stride, o.padding, o.dilation);
  if (!valid_output_padding(o.output_padding.h, o.stride.h, o.dilation.h) ||
      !valid_output_padding(o.output_padding.w, o.stride.w, o.dilation.w))
    throw std::invalid_argument("ConvTranspose2d: output_padding " + pair_str(o.output_padding) +
                                " must be >= 0 and smaller than the stride or the dilation");
  weight = register_parameter("weight", empty({in, out, k.h, k.w}, t));
  if (o.bias) bias = register_parameter("bias", empty({out}, t));
  init::default_layer_init_(weight, bias);  // fan_in = weight.size(1)·kh·kw, as in PyTorch
}

Tensor ConvTranspose2d::forward(const Tensor& x) {
  check_input("ConvTranspose2d(" + extra_repr() + ")", x, in_channels);
  return conv_transpose2d(x, weight, bias, params_of(options.stride, options.padding, options.dilation),
                          options.output_padding.h, options.output_padding.w);
}

std::string ConvTranspose2d::extra_repr() const {
  std::string s = repr(in_channels, out_channels, kernel_size, options.stride, options.padding, options.dilation, bias.defined());
  if (options.output_padding.h || options.output_padding.w) s += ", output_padding=" + pair_str(options.output_padding);
  return s;
}

}  // namespace ganforge::nn
