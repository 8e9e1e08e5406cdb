// The multilayer-perceptron GAN of PyTorch-GAN `implementations/gan` (MNIST 28x28); see
// docs/models.md §1. Children are named as in the reference (`model`), so
// state-dict keys match it ("model.0.weight", "model.3.running_mean", ...).
#pragma once

#include <cstdint>
#include <memory>

#include "nn/container.h"
#include "nn/module.h"

namespace ganforge::gan {

struct MlpGanOptions {
  int64_t latent_dim = 100;
  int64_t channels = 1, image_size = 28;
  // The reference writes BatchNorm1d(n, 0.8), which sets eps (not momentum) to 0.8.
  double bn_eps = 0.8;
};

// The reference's generator body, shared with the conditional GAN: Linear 128 LReLU, then
// Linear 256 / 512 / 1024 each with BN1d(eps) LReLU, then Linear `out_features` Tanh.
std::shared_ptr<nn::Sequential> mlp_generator_layers(int64_t in_features, int64_t out_features, double bn_eps);

// z [N, latent_dim] -> images [N, C, S, S] in [-1, 1].
class MlpGanGenerator : public nn::Module {
 public:
  explicit MlpGanGenerator(MlpGanOptions options = {});
  Tensor forward(const Tensor& z) override;
  std::string type_name() const override { return "MlpGanGenerator"; }

  const MlpGanOptions options;
  std::shared_ptr<nn::Sequential> model;
};

// images [N, C, S, S] -> logits [N, 1] (the reference's final Sigmoid is left to the loss,
// BCE-with-logits, so model.5 does not exist here).
class MlpGanDiscriminator : public nn::Module {
 public:
  explicit MlpGanDiscriminator(MlpGanOptions options = {});
  Tensor forward(const Tensor& images) override;
  std::string type_name() const override { return "MlpGanDiscriminator"; }

  const MlpGanOptions options;
  std::shared_ptr<nn::Sequential> model;
};

}  // namespace ganforge::gan
