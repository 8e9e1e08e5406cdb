// The layers of the four convolutional GANs (docs/models.md §2, §5, §6) as the primitives see
// them: one table per model, in gan_layers.cpp, each distinct computation once. Layers that
// run the same primitive on the same shapes (DCGAN's BN(512) on [512, 4, 4] in G and in D,
// CycleGAN's 18 residual convolutions) are one entry whose `where` names them all.
//
// A layer's id, in benchmark names, is derived from its shape (no spaces, no regex
// metacharacters but '.', so that --benchmark_filter takes it as written):
//   conv<cin>-<cout>k<k>s<stride>p<pad>[op<output padding>][b]@<H>x<W>   (convT...: transposed;
//        b: with bias; H x W: the layer's input)
//   bn@CxHxW, in@CxHxW, relu@..., lrelu@..., tanh@..., reflectpad<p>@CxHxW, mse@..., l1@...,
//   bce_with_logits@...   (CxHxW: one example's input; the batch is a separate name part)
//   adam-<optimizer>      (the recipe's optimizer G or D, over all its networks' parameters)
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "gan/train/options.h"
#include "kernels/primitives.h"

namespace ganforge::bench {

struct ConvLayer {
  int64_t cin, cout, k, stride, pad, side;  // side: the layer's input height and width
  bool transposed = false;                  // ConvTranspose2d(cin, cout, ...)
  int64_t output_padding = 0;
  bool bias = false;
  int64_t out_side() const;
  // 2 x the multiply-adds of any one of its three passes, for `batch` examples
  double flops(int64_t batch) const;
};

struct NormLayer {  // BN (batch statistics, scale and shift) or IN (no affine, no running stats)
  bool instance;
  int64_t c, side;
};

struct ActivationLayer {
  kernels::ActivationOp op;
  int64_t c, side;
  double alpha() const;  // LeakyReLU's slope 0.2 (docs/models.md); unused by the others
};

struct ReflectPadLayer {
  int64_t pad, c, side;  // pads each side of [c, side, side]
};

struct LossLayer {  // on logits or images [c, side, side] per example
  kernels::LossOp op;
  int64_t c, side;
};

struct AdamLayer {  // one Adam step of the recipe's optimizer (adam_step_multi over its parameters)
  std::string optimizer;  // "G" or "D": the recipe's networks of that name (CycleGAN: G_A and G_B, ...)
};

using LayerSpec = std::variant<ConvLayer, NormLayer, ActivationLayer, ReflectPadLayer, LossLayer, AdamLayer>;

struct Layer {
  std::string id;     // layer_id(spec)
  std::string where;  // the modules it stands for, state-dict names as in docs/models.md
  LayerSpec spec;
};

struct GanModel {
  std::string name;              // dcgan64, dcgan-mnist, pix2pix256, cyclegan256
  std::vector<int64_t> batches;  // the batch sizes its layers are measured at
  gan::TrainOptions options;     // resolved: the recipe whose optimizers adam-<name> steps
  std::vector<Layer> layers;
};

std::string layer_id(const LayerSpec& spec);
const std::vector<GanModel>& gan_models();

}  // namespace ganforge::bench
