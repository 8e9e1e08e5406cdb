#include "nn/resample.h"

#include <cstdio>
#include <stdexcept>

#include "core/layer_ops.h"

namespace ganforge::nn {
namespace {

std::string repr(const Padding2d& p) {
  char text[96];
  std::snprintf(text, sizeof text, "(%lld, %lld, %lld, %lld)", static_cast<long long>(p.left), static_cast<long long>(p.right),
                static_cast<long long>(p.top), static_cast<long long>(p.bottom));
  return text;
}

Padding2d checked(const char* layer, Padding2d p) {
  if (p.left < 0 || p.right < 0 || p.top < 0 || p.bottom < 0)
    throw std::invalid_argument(std::string(layer) + ": paddings (left, right, top, bottom) must be >= 0; got " + repr(p));
  return p;
}

}  // namespace

Upsample::Upsample(int64_t h, int64_t w) : scale_h(h), scale_w(w) {
  if (h <= 0 || w <= 0)
    throw std::invalid_argument("Upsample: scale factors must be positive integers; got " + std::to_string(h) + " x " +
                                std::to_string(w));
}

Tensor Upsample::forward(const Tensor& x) { return upsample_nearest2d(x, scale_h, scale_w); }

std::string Upsample::extra_repr() const {
  return "scale_factor=(" + std::to_string(scale_h) + ", " + std::to_string(scale_w) + "), mode='nearest'";
}

ReflectionPad2d::ReflectionPad2d(Padding2d p) : padding(checked("ReflectionPad2d", p)) {}
Tensor ReflectionPad2d::forward(const Tensor& x) {
  return reflection_pad2d(x, padding.top, padding.bottom, padding.left, padding.right);
}
std::string ReflectionPad2d::extra_repr() const { return repr(padding); }

ZeroPad2d::ZeroPad2d(Padding2d p) : padding(checked("ZeroPad2d", p)) {}
Tensor ZeroPad2d::forward(const Tensor& x) { return zero_pad2d(x, padding.top, padding.bottom, padding.left, padding.right); }
std::string ZeroPad2d::extra_repr() const { return repr(padding); }

}  // namespace ganforge::nn
