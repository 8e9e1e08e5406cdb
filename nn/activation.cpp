#include "nn/activation.h"

#include <cstdio>

#include "core/layer_ops.h"

namespace ganforge::nn {

Tensor ReLU::forward(const Tensor& x) { return relu(x); }
Tensor LeakyReLU::forward(const Tensor& x) { return leaky_relu(x, negative_slope); }
Tensor ELU::forward(const Tensor& x) { return elu(x, alpha); }
Tensor Tanh::forward(const Tensor& x) { return tanh(x); }
Tensor Sigmoid::forward(const Tensor& x) { return sigmoid(x); }
Tensor Softmax::forward(const Tensor& x) { return softmax(x, dim); }

std::string LeakyReLU::extra_repr() const {
  char text[48];
  std::snprintf(text, sizeof text, "negative_slope=%g", negative_slope);
  return text;
}

std::string ELU::extra_repr() const {
  char text[32];
  std::snprintf(text, sizeof text, "alpha=%g", alpha);
  return text;
}

}  // namespace ganforge::nn
