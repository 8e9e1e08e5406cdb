// DCGAN as pytorch/examples `dcgan` (64x64) and its C++ twin `cpp/dcgan` (MNIST 28x28), plus
// the 32x32 model derived by dropping one block of the 64x64 one; see
// docs/models.md §2. Both networks keep their layers in a Sequential named `main`
// as the Python example does ("main.0.weight", "main.1.running_mean", ...); the C++ example
// names its generator's layers conv1, batch_norm1, ... instead.
#pragma once

#include <cstdint>
#include <memory>

#include "core/random.h"
#include "nn/container.h"
#include "nn/module.h"

namespace ganforge::gan {

struct DcganOptions {
  int64_t image_size = 64;  // 28, 32 or 64; anything else: std::invalid_argument
  int64_t channels = 3;
  int64_t latent_dim = 100, ngf = 64, ndf = 64;
};

// z [N, latent_dim] (or [N, latent_dim, 1, 1]) -> images [N, C, S, S] in [-1, 1].
class DcganGenerator : public nn::Module {
 public:
  explicit DcganGenerator(DcganOptions options = {});
  Tensor forward(const Tensor& z) override;
  std::string type_name() const override { return "DcganGenerator"; }

  const DcganOptions options;
  std::shared_ptr<nn::Sequential> main;
};

// images [N, C, S, S] -> logits [N, 1] (the reference's final Sigmoid is left to the loss).
class DcganDiscriminator : public nn::Module {
 public:
  explicit DcganDiscriminator(DcganOptions options = {});
  Tensor forward(const Tensor& images) override;
  std::string type_name() const override { return "DcganDiscriminator"; }

  const DcganOptions options;
  std::shared_ptr<nn::Sequential> main;
};

// The reference's weights_init, applied to every descendant: conv and transposed-conv
// weights N(0, 0.02); batch-norm weight N(1, 0.02), bias 0.
void dcgan_init(nn::Module& module, Generator* gen = nullptr);

}  // namespace ganforge::gan
