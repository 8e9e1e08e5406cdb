// InfoGAN as the authors' code (openai/InfoGAN, its MNIST networks) and paper; see
// docs/models.md §4. The reference is TensorFlow, so the child names are
// GANForge's: G is `fc` then `deconv`; D is the shared `body`, the `d_head` and the `q_head`.
// D's LeakyReLUs have slope 0.2, as docs/models.md §4 says; the reference's leaky_rectify
// defaults to 0.01.
#pragma once

#include <cstdint>
#include <memory>

#include "nn/container.h"
#include "nn/linear.h"
#include "nn/module.h"

namespace ganforge::gan {

struct InfoganOptions {
  int64_t noise_dim = 62, categories = 10, continuous = 2;
  int64_t channels = 1, image_size = 28;  // image_size: a multiple of 4
  // G's input: [noise | one-hot category | continuous codes].
  int64_t latent_dim() const { return noise_dim + categories + continuous; }
};

// latent [N, 74] -> images [N, C, S, S] in [-1, 1] (the reference ends in a sigmoid for
// [0, 1] data; GANForge's images live in [-1, 1]).
class InfoganGenerator : public nn::Module {
 public:
  explicit InfoganGenerator(InfoganOptions options = {});
  Tensor forward(const Tensor& latent) override;
  std::string type_name() const override { return "InfoganGenerator"; }

  const InfoganOptions options;
  std::shared_ptr<nn::Sequential> fc;      // Linear 1024 BN ReLU, Linear 128·(S/4)² BN ReLU
  std::shared_ptr<nn::Sequential> deconv;  // on [N, 128, S/4, S/4]: ConvT 64 BN ReLU, ConvT C Tanh
};

// The Q head's two outputs.
struct QOutput {
  Tensor category_logits;   // [N, categories]
  Tensor continuous_means;  // [N, continuous]; unit variance, so their loss is a squared error
};

// D and Q share `body`. As in the authors' code (every "d_" variable in D's optimizer), the
// whole module trains with D's optimizer on adv_D + λ·L_I, and G's optimizer minimises
// adv_G + λ·L_I through it (gan/train/recipe_infogan.cpp).
class InfoganDiscriminator : public nn::Module {
 public:
  using QOutput = gan::QOutput;

  explicit InfoganDiscriminator(InfoganOptions options = {});
  // images [N, C, S, S] -> shared features [N, 1024].
  Tensor features(const Tensor& images);
  // features -> real/fake logits [N, 1].
  Tensor d_logits(const Tensor& features);
  QOutput q(const Tensor& features);
  // d_logits(features(images)).
  Tensor forward(const Tensor& images) override;
  std::string type_name() const override { return "InfoganDiscriminator"; }

  const InfoganOptions options;
  std::shared_ptr<nn::Sequential> body;
  std::shared_ptr<nn::Linear> d_head;
  // Linear 128 BN LReLU, then Linear categories + continuous (12 wide). The reference's last
  // layer is 14 wide: it also predicts a log-std per continuous code, which its fixed-std
  // setting never reads; those two unused slots (2·129 parameters) are left out here.
  std::shared_ptr<nn::Sequential> q_head;
};

}  // namespace ganforge::gan
