// Dropout layers: active in training mode only. Masks come from `generator` (the default
// generator when null), so a seed fixes them on every backend.
#pragma once

#include "core/random.h"
#include "nn/module.h"

namespace ganforge::nn {

// Zeroes each element with probability p and scales the rest by 1/(1-p).
class Dropout : public Module {
 public:
  explicit Dropout(double p = 0.5, Generator* generator = nullptr);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Dropout"; }
  std::string extra_repr() const override;
  const double p;

 private:
  Generator* generator_;
};

// Zeroes whole channels of [N, C, H, W] with probability p and scales the rest by 1/(1-p).
class Dropout2d : public Module {
 public:
  explicit Dropout2d(double p = 0.5, Generator* generator = nullptr);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Dropout2d"; }
  std::string extra_repr() const override;
  const double p;

 private:
  Generator* generator_;
};

}  // namespace ganforge::nn
