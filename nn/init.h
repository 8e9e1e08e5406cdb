// Parameter initialisers, in place and without gradient tracking, with PyTorch's names and
// formulas (torch.nn.init). Random ones draw from `gen` (the default generator when null), so
// a seed fixes a model's initial weights on every backend.
#pragma once

#include <string>

#include "core/random.h"
#include "core/tensor.h"

namespace ganforge::nn::init {

// For a weight [out, in, k...]: fan_in = in·Πk, fan_out = out·Πk (1-D: fan_in = fan_out = size).
struct Fans {
  int64_t in, out;
};
Fans fans(const Tensor& weight);

// The recommended gain of a nonlinearity: "linear", "conv2d", "sigmoid" 1; "tanh" 5/3;
// "relu" √2; "leaky_relu" √(2/(1+slope²)); "selu" 3/4.
double calculate_gain(const std::string& nonlinearity, double param = 0.01);

void uniform_(const Tensor& t, double low = 0, double high = 1, Generator* gen = nullptr);
void normal_(const Tensor& t, double mean = 0, double std = 1, Generator* gen = nullptr);
void constant_(const Tensor& t, double value);
void zeros_(const Tensor& t);
void ones_(const Tensor& t);

// Glorot: U(±gain·√(6/(fan_in+fan_out))) and N(0, gain²·2/(fan_in+fan_out)).
void xavier_uniform_(const Tensor& t, double gain = 1, Generator* gen = nullptr);
void xavier_normal_(const Tensor& t, double gain = 1, Generator* gen = nullptr);

enum class FanMode { FanIn, FanOut };
// He: std = gain/√fan, gain = calculate_gain(nonlinearity, a); uniform bound √3·std.
void kaiming_uniform_(const Tensor& t, double a = 0, FanMode mode = FanMode::FanIn,
                      const std::string& nonlinearity = "leaky_relu", Generator* gen = nullptr);
void kaiming_normal_(const Tensor& t, double a = 0, FanMode mode = FanMode::FanIn,
                     const std::string& nonlinearity = "leaky_relu", Generator* gen = nullptr);

// The default of PyTorch's Linear and Conv layers: weight kaiming_uniform_(a = √5), which is
// U(±1/√fan_in), and bias U(±1/√fan_in) with the weight's fan_in.
void default_layer_init_(const Tensor& weight, const Tensor& bias, Generator* gen = nullptr);

}  // namespace ganforge::nn::init
