#include "gan/models/cyclegan.h"

#include <stdexcept>

#include "core/ops.h"
#include "core/shape.h"
#include "gan/models/checks.h"
#include "nn/activation.h"
#include "nn/conv.h"
#include "nn/norm.h"
#include "nn/resample.h"

namespace ganforge::gan {

namespace {

// Passed explicitly, never as the `options = {}` default: at one call site GCC 12.2 with
// AVX-512 (-march=native here) built that by-value default wrong (padding came out (1, 0)).
const nn::Conv2dOptions kPlain{};

}  // namespace

ResnetBlock::ResnetBlock(int64_t c) : conv_block(register_module("conv_block", nn::make<nn::Sequential>())) {
  for (int i = 0; i < 2; ++i) {
    conv_block->push_back(nn::make<nn::ReflectionPad2d>(1));
    conv_block->push_back(nn::make<nn::Conv2d>(c, c, 3, kPlain));
    conv_block->push_back(nn::make<nn::InstanceNorm2d>(c));
    if (i == 0) conv_block->push_back(nn::make<nn::ReLU>());
  }
}

Tensor ResnetBlock::forward(const Tensor& x) { return x + (*conv_block)(x); }

ResnetGenerator::ResnetGenerator(ResnetOptions o) : options(o), model(register_module("model", nn::make<nn::Sequential>())) {
  if (o.blocks < 0) throw std::invalid_argument("ResnetGenerator: blocks must be >= 0; got " + std::to_string(o.blocks));
  auto norm_relu = [&](int64_t c) {
    model->push_back(nn::make<nn::InstanceNorm2d>(c));
    model->push_back(nn::make<nn::ReLU>());
  };
  model->push_back(nn::make<nn::ReflectionPad2d>(3));
  model->push_back(nn::make<nn::Conv2d>(o.input_channels, o.ngf, 7, kPlain));
  norm_relu(o.ngf);
  for (int64_t c = o.ngf; c < 4 * o.ngf; c *= 2) {
    model->push_back(nn::make<nn::Conv2d>(c, 2 * c, 3, nn::Conv2dOptions{.stride = 2, .padding = 1}));
    norm_relu(2 * c);
  }
  for (int64_t i = 0; i < o.blocks; ++i) model->push_back(nn::make<ResnetBlock>(4 * o.ngf));
  for (int64_t c = 4 * o.ngf; c > o.ngf; c /= 2) {
    model->push_back(nn::make<nn::ConvTranspose2d>(
        c, c / 2, 3, nn::ConvTranspose2dOptions{.stride = 2, .padding = 1, .output_padding = 1}));
    norm_relu(c / 2);
  }
  model->push_back(nn::make<nn::ReflectionPad2d>(3));
  model->push_back(nn::make<nn::Conv2d>(o.ngf, o.output_channels, 7, kPlain));
  model->push_back(nn::make<nn::Tanh>());
}

Tensor ResnetGenerator::forward(const Tensor& x) {
  check_images(type_name(), x, options.input_channels, -1, -1);
  if (x.size(2) % 4 != 0 || x.size(3) % 4 != 0 || x.size(2) < 8 || x.size(3) < 8)
    throw std::invalid_argument("ResnetGenerator: height and width must be multiples of 4 and at least 8 (the residual "
                                "blocks reflect-pad a map 4x smaller); got " +
                                shape_str(x.shape()));
  return (*model)(x);
}

PatchGanOptions cyclegan_patchgan() { return {.input_channels = 3, .ndf = 64, .layers = 3, .norm = PatchNorm::Instance}; }

}  // namespace ganforge::gan
