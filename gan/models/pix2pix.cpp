#include "gan/models/pix2pix.h"

#include <stdexcept>

#include "core/ops.h"
#include "gan/models/checks.h"
#include "gan/models/init.h"
#include "nn/activation.h"
#include "nn/conv.h"
#include "nn/dropout.h"
#include "nn/norm.h"

namespace ganforge::gan {

UnetOptions unet_256() { return {.depth = 8}; }
UnetOptions unet_128() { return {.depth = 7}; }

UnetSkipConnectionBlock::UnetSkipConnectionBlock(Kind k, int64_t outer, int64_t inner_channels, int64_t input,
                                                 std::shared_ptr<UnetSkipConnectionBlock> inner, bool dropout,
                                                 Generator* dropout_generator)
    : kind(k), model(register_module("model", nn::make<nn::Sequential>())) {
  if ((k == Kind::Innermost) != (inner == nullptr))
    throw std::invalid_argument("UnetSkipConnectionBlock: only the innermost level has no inner block");
  // With batch norm after them, the convs need no bias; the outermost ConvT feeds Tanh.
  const nn::Conv2dOptions down{.stride = 2, .padding = 1, .bias = false};
  const nn::ConvTranspose2dOptions up{.stride = 2, .padding = 1, .bias = k == Kind::Outermost};
  if (k != Kind::Outermost) model->push_back(nn::make<nn::LeakyReLU>(0.2));
  model->push_back(nn::make<nn::Conv2d>(input, inner_channels, 4, down));
  if (k == Kind::Intermediate) model->push_back(nn::make<nn::BatchNorm2d>(inner_channels));
  if (inner) model->push_back(inner);
  model->push_back(nn::make<nn::ReLU>());
  // Above the innermost level, the up path gets the inner block's concat(input, output).
  model->push_back(nn::make<nn::ConvTranspose2d>(inner ? 2 * inner_channels : inner_channels, outer, 4, up));
  if (k == Kind::Outermost) {
    model->push_back(nn::make<nn::Tanh>());
  } else {
    model->push_back(nn::make<nn::BatchNorm2d>(outer));
    if (dropout) model->push_back(nn::make<nn::Dropout>(0.5, dropout_generator));
  }
}

Tensor UnetSkipConnectionBlock::forward(const Tensor& x) {
  if (kind == Kind::Outermost) return (*model)(x);
  return cat({x, (*model)(x)}, 1);
}

UnetGenerator::UnetGenerator(UnetOptions o, Generator* dropout_generator) : options(o) {
  if (o.depth < 2 || o.depth > 30)
    throw std::invalid_argument("UnetGenerator: depth must be in 2..30 (an outermost and an innermost level at least); got " +
                                std::to_string(o.depth));
  auto width = [&](int64_t level) { return o.ngf * (level >= 3 ? 8 : int64_t{1} << level); };
  using Kind = UnetSkipConnectionBlock::Kind;
  std::shared_ptr<UnetSkipConnectionBlock> block;
  for (int64_t i = o.depth - 1; i >= 1; --i) {
    const Kind kind = i == o.depth - 1 ? Kind::Innermost : Kind::Intermediate;
    // The reference drops out in the blocks of its ngf·8-to-ngf·8 loop: levels 4 and deeper.
    const bool dropout = o.dropout && kind == Kind::Intermediate && i >= 4;
    block = nn::make<UnetSkipConnectionBlock>(kind, width(i - 1), width(i), width(i - 1), block, dropout,
                                              dropout_generator);
  }
  model = register_module("model", nn::make<UnetSkipConnectionBlock>(Kind::Outermost, o.output_channels, o.ngf,
                                                                     o.input_channels, block, false));
}

Tensor UnetGenerator::forward(const Tensor& x) {
  const int64_t side = int64_t{1} << options.depth;
  check_images(type_name(), x, options.input_channels, side, side,
               std::to_string(options.depth) + " downsamplings must reach exactly 1x1");
  return (*model)(x);
}

PatchGanDiscriminator::PatchGanDiscriminator(PatchGanOptions o)
    : options(o), model(register_module("model", nn::make<nn::Sequential>())) {
  if (o.layers < 1) throw std::invalid_argument("PatchGanDiscriminator: layers must be at least 1; got " + std::to_string(o.layers));
  const bool inner_bias = o.norm == PatchNorm::Instance;
  auto norm = [&](int64_t c) -> std::shared_ptr<nn::Module> {
    if (o.norm == PatchNorm::Instance) return nn::make<nn::InstanceNorm2d>(c);
    return nn::make<nn::BatchNorm2d>(c);
  };
  auto width = [&](int64_t n) { return o.ndf * (n >= 3 ? 8 : int64_t{1} << n); };
  model->push_back(nn::make<nn::Conv2d>(o.input_channels, o.ndf, 4, nn::Conv2dOptions{.stride = 2, .padding = 1}));
  model->push_back(nn::make<nn::LeakyReLU>(0.2));
  for (int64_t n = 1; n <= o.layers; ++n) {
    // The last of these keeps the resolution (stride 1), widening the receptive field.
    const int64_t stride = n < o.layers ? 2 : 1;
    model->push_back(nn::make<nn::Conv2d>(width(n - 1), width(n), 4,
                                          nn::Conv2dOptions{.stride = stride, .padding = 1, .bias = inner_bias}));
    model->push_back(norm(width(n)));
    model->push_back(nn::make<nn::LeakyReLU>(0.2));
  }
  model->push_back(nn::make<nn::Conv2d>(width(o.layers), 1, 4, nn::Conv2dOptions{.stride = 1, .padding = 1}));
}

Tensor PatchGanDiscriminator::forward(const Tensor& x) {
  check_images(type_name(), x, options.input_channels, -1, -1);
  return (*model)(x);
}

void pix2pix_init(nn::Module& module, Generator* gen) { normal_init(module, {.std = 0.02, .linear_and_biases = true}, gen); }

}  // namespace ganforge::gan
