// Nearest upsampling and padding layers over [N, C, H, W].
#pragma once

#include "nn/module.h"

namespace ganforge::nn {

// Nearest-neighbour upsampling by integer factors (PyTorch's Upsample(mode="nearest")).
class Upsample : public Module {
 public:
  explicit Upsample(int64_t scale_factor) : Upsample(scale_factor, scale_factor) {}
  Upsample(int64_t scale_h, int64_t scale_w);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Upsample"; }
  std::string extra_repr() const override;
  const int64_t scale_h, scale_w;
};

// Paddings in PyTorch's order: (left, right, top, bottom); one number pads all four sides.
struct Padding2d {
  Padding2d(int64_t all) : left(all), right(all), top(all), bottom(all) {}  // NOLINT: implicit on purpose
  Padding2d(int64_t l, int64_t r, int64_t t, int64_t b) : left(l), right(r), top(t), bottom(b) {}
  int64_t left, right, top, bottom;
};

class ReflectionPad2d : public Module {
 public:
  explicit ReflectionPad2d(Padding2d padding);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "ReflectionPad2d"; }
  std::string extra_repr() const override;
  const Padding2d padding;
};

class ZeroPad2d : public Module {
 public:
  explicit ZeroPad2d(Padding2d padding);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "ZeroPad2d"; }
  std::string extra_repr() const override;
  const Padding2d padding;
};

}  // namespace ganforge::nn
