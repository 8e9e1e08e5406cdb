#include "gan/models/init.h"

#include "nn/conv.h"
#include "nn/init.h"
#include "nn/linear.h"
#include "nn/norm.h"

namespace ganforge::gan {
namespace {

void normal_weight_zero_bias(const Tensor& weight, const Tensor& bias, const NormalInitOptions& options, Generator* gen) {
  nn::init::normal_(weight, 0, options.std, gen);
  if (options.linear_and_biases && bias.defined()) nn::init::zeros_(bias);
}

}  // namespace

void normal_init(nn::Module& module, const NormalInitOptions& options, Generator* gen) {
  module.apply([&](nn::Module& m) {
    if (auto* conv = dynamic_cast<nn::Conv2d*>(&m)) {
      normal_weight_zero_bias(conv->weight, conv->bias, options, gen);
    } else if (auto* convt = dynamic_cast<nn::ConvTranspose2d*>(&m)) {
      normal_weight_zero_bias(convt->weight, convt->bias, options, gen);
    } else if (auto* linear = dynamic_cast<nn::Linear*>(&m); linear && options.linear_and_biases) {
      normal_weight_zero_bias(linear->weight, linear->bias, options, gen);
    } else if (auto* bn = dynamic_cast<nn::BatchNorm*>(&m); bn && bn->options.affine) {
      nn::init::normal_(bn->weight, 1, options.std, gen);
      nn::init::zeros_(bn->bias);
    }
  });
}

}  // namespace ganforge::gan
