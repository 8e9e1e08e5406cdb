// pix2pix as junyanz/pytorch-CycleGAN-and-pix2pix (`--model pix2pix`): the U-Net generator
// built from the reference's recursive skip blocks and the PatchGAN discriminator
// (NLayerDiscriminator); see docs/models.md §5. Children are named as in the
// reference (`model` at every level), so state-dict keys match its checkpoints
// ("model.model.1.model.3.model.1.weight", ...).
#pragma once

#include <cstdint>
#include <memory>

#include "core/random.h"
#include "nn/container.h"
#include "nn/module.h"

namespace ganforge::gan {

struct UnetOptions {
  int64_t input_channels = 3, output_channels = 3;
  int64_t depth = 8;  // downsamplings, to a 1x1 bottleneck: unet_256 = 8, unet_128 = 7; at least 2
  int64_t ngf = 64;
  bool dropout = true;  // Dropout(0.5) after the decoder blocks whose both sides are ngf·8 wide
};
UnetOptions unet_256();
UnetOptions unet_128();

// One level of the U-Net (the reference's UnetSkipConnectionBlock): down (LReLU, Conv k4 s2,
// BN), the inner blocks, up (ReLU, ConvT k4 s2, BN[, Dropout]); every level but the outermost
// returns concat(input, up) along channels. The outermost has no LReLU and no norm on the
// way down and ends in ConvT (with bias) and Tanh; the innermost has no inner block and no
// norm on its 1x1 output.
class UnetSkipConnectionBlock : public nn::Module {
 public:
  enum class Kind { Outermost, Intermediate, Innermost };
  // `input_channels` is outer_channels except at the outermost level; `inner` is null at the
  // innermost one.
  UnetSkipConnectionBlock(Kind kind, int64_t outer_channels, int64_t inner_channels, int64_t input_channels,
                std::shared_ptr<UnetSkipConnectionBlock> inner, bool dropout, Generator* dropout_generator = nullptr);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "UnetSkipConnectionBlock"; }

  const Kind kind;
  std::shared_ptr<nn::Sequential> model;
};

// x [N, input_channels, 2^depth, 2^depth] -> [N, output_channels, same] in [-1, 1]; any other
// size is a std::invalid_argument naming the size it got and the one it needs. Level i has
// ngf·min(2^i, 8) channels.
class UnetGenerator : public nn::Module {
 public:
  explicit UnetGenerator(UnetOptions options = unet_256(), Generator* dropout_generator = nullptr);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "UnetGenerator"; }

  const UnetOptions options;
  std::shared_ptr<UnetSkipConnectionBlock> model;  // the outermost level
};

enum class PatchNorm { Batch, Instance };

struct PatchGanOptions {
  int64_t input_channels = 6;  // pix2pix sees concat(condition, image)
  int64_t ndf = 64;
  int64_t layers = 3;  // stride-2 convs after the first; 3 gives the 70x70 PatchGAN
  PatchNorm norm = PatchNorm::Batch;
};

// x [N, input_channels, H, W] -> logits [N, 1, h, w] (30x30 at 256x256): Conv k4 s2 (bias)
// LReLU, `layers - 1` x [Conv k4 s2, norm, LReLU], Conv k4 s1 (ndf·min(2^layers, 8)) norm
// LReLU, Conv k4 s1 to 1 channel (bias). As the reference, the inner convs have a bias only
// with instance norm (batch norm's shift makes it redundant).
class PatchGanDiscriminator : public nn::Module {
 public:
  explicit PatchGanDiscriminator(PatchGanOptions options = {});
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "PatchGanDiscriminator"; }

  const PatchGanOptions options;
  std::shared_ptr<nn::Sequential> model;
};

// The reference's init_weights('normal', 0.02): conv, transposed-conv and linear weights
// N(0, 0.02) and their biases 0; batch-norm weight N(1, 0.02), bias 0. CycleGAN uses it too.
void pix2pix_init(nn::Module& module, Generator* gen = nullptr);

}  // namespace ganforge::gan
