// CycleGAN as junyanz/pytorch-CycleGAN-and-pix2pix (`--model cycle_gan`): the ResNet
// generator (ResnetGenerator / ResnetBlock, instance norm, reflection padding, no dropout)
// and the PatchGAN of pix2pix.h with instance norm; see docs/models.md §6.
// Children are named as in the reference (`model`, and `conv_block` in each block), so
// state-dict keys match it ("model.10.conv_block.1.weight", ...). Initialise with
// pix2pix_init, as the reference does.
#pragma once

#include <cstdint>
#include <memory>

#include "gan/models/pix2pix.h"
#include "nn/container.h"
#include "nn/module.h"

namespace ganforge::gan {

struct ResnetOptions {
  int64_t input_channels = 3, output_channels = 3, ngf = 64;
  int64_t blocks = 9;  // resnet_9blocks (256x256); resnet_6blocks for 128x128
};

// x + [ReflectionPad 1, Conv3 (bias), IN, ReLU, ReflectionPad 1, Conv3 (bias), IN](x).
class ResnetBlock : public nn::Module {
 public:
  explicit ResnetBlock(int64_t channels);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "ResnetBlock"; }

  std::shared_ptr<nn::Sequential> conv_block;
};

// x [N, input_channels, H, W] -> [N, output_channels, H, W] in [-1, 1]; H and W must be
// multiples of 4 (two stride-2 downsamplings are undone by two upsamplings), at least 8.
class ResnetGenerator : public nn::Module {
 public:
  explicit ResnetGenerator(ResnetOptions options = {});
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "ResnetGenerator"; }

  const ResnetOptions options;
  std::shared_ptr<nn::Sequential> model;
};

// CycleGAN's discriminator: the 70x70 PatchGAN on 3 channels with instance norm.
PatchGanOptions cyclegan_patchgan();

}  // namespace ganforge::gan
