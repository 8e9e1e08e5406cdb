// The conditional GAN of PyTorch-GAN `implementations/cgan` (MNIST 32x32); see
// docs/models.md §3. Children are named as in the reference (`label_emb` and
// `model` in G, `label_embedding` and `model` in D), so state-dict keys match it.
#pragma once

#include <cstdint>
#include <memory>

#include "core/random.h"
#include "nn/container.h"
#include "nn/linear.h"
#include "nn/module.h"

namespace ganforge::gan {

struct CganOptions {
  int64_t latent_dim = 100, classes = 10, channels = 1, image_size = 32;
  double bn_eps = 0.8;  // the reference's BatchNorm1d(n, 0.8), as in the MLP GAN
  double dropout = 0.4;
};

// (z [N, latent_dim], labels i64 [N]) -> images [N, C, S, S] in [-1, 1]. G's input is
// concat(embedding(labels), z), in the reference's order.
class CganGenerator : public nn::Module {
 public:
  explicit CganGenerator(CganOptions options = {});
  // The one-tensor forward stays the base's, which throws: this model needs labels too.
  using nn::Module::forward;
  Tensor forward(const Tensor& z, const Tensor& labels);
  std::string type_name() const override { return "CganGenerator"; }

  const CganOptions options;
  std::shared_ptr<nn::Embedding> label_emb;
  std::shared_ptr<nn::Sequential> model;
};

// (images [N, C, S, S], labels i64 [N]) -> logits [N, 1]. D's input is
// concat(flattened image, embedding(labels)). Dropout masks come from `dropout_generator`
// (the default generator when null).
class CganDiscriminator : public nn::Module {
 public:
  explicit CganDiscriminator(CganOptions options = {}, Generator* dropout_generator = nullptr);
  using nn::Module::forward;
  Tensor forward(const Tensor& images, const Tensor& labels);
  std::string type_name() const override { return "CganDiscriminator"; }

  const CganOptions options;
  std::shared_ptr<nn::Embedding> label_embedding;
  std::shared_ptr<nn::Sequential> model;
};

}  // namespace ganforge::gan
