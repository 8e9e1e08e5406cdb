// The weight initialisation of the convolutional GANs: the DCGAN paper's N(0, 0.02), as
// pytorch/examples `dcgan` (weights_init) and junyanz/pytorch-CycleGAN-and-pix2pix
// (init_weights('normal', 0.02)) apply it, module by module with Module::apply.
#pragma once

#include "core/random.h"
#include "nn/module.h"

namespace ganforge::gan {

struct NormalInitOptions {
  double std = 0.02;
  // pix2pix / CycleGAN also draw Linear weights and zero every conv and linear bias;
  // DCGAN's weights_init touches only conv weights (its convs have no biases).
  bool linear_and_biases = false;
};

// Conv2d / ConvTranspose2d weights (and Linear's, if asked) N(0, std); batch-norm weight
// N(1, std), bias 0. Instance norm without affine parameters has nothing to initialise.
void normal_init(nn::Module& module, const NormalInitOptions& options, Generator* gen = nullptr);

}  // namespace ganforge::gan
