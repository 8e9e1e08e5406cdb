#include "gan/models/mlp_gan.h"

#include "gan/models/checks.h"
#include "nn/activation.h"
#include "nn/linear.h"
#include "nn/norm.h"

namespace ganforge::gan {

std::shared_ptr<nn::Sequential> mlp_generator_layers(int64_t in_features, int64_t out_features, double bn_eps) {
  auto layers = nn::make<nn::Sequential>();
  int64_t width = in_features;
  for (int64_t next : {128, 256, 512, 1024}) {
    layers->push_back(nn::make<nn::Linear>(width, next));
    if (next != 128) layers->push_back(nn::make<nn::BatchNorm1d>(next, nn::BatchNormOptions{.eps = bn_eps}));
    layers->push_back(nn::make<nn::LeakyReLU>(0.2));
    width = next;
  }
  layers->push_back(nn::make<nn::Linear>(width, out_features));
  layers->push_back(nn::make<nn::Tanh>());
  return layers;
}

MlpGanGenerator::MlpGanGenerator(MlpGanOptions o)
    : options(o),
      model(register_module("model",
                            mlp_generator_layers(o.latent_dim, o.channels * o.image_size * o.image_size, o.bn_eps))) {}

Tensor MlpGanGenerator::forward(const Tensor& z) {
  check_vectors(type_name(), "z", z, options.latent_dim);
  return (*model)(z).reshape({z.size(0), options.channels, options.image_size, options.image_size});
}

MlpGanDiscriminator::MlpGanDiscriminator(MlpGanOptions o)
    : options(o), model(register_module("model", nn::make<nn::Sequential>())) {
  model->push_back(nn::make<nn::Linear>(o.channels * o.image_size * o.image_size, 512));
  model->push_back(nn::make<nn::LeakyReLU>(0.2));
  model->push_back(nn::make<nn::Linear>(512, 256));
  model->push_back(nn::make<nn::LeakyReLU>(0.2));
  model->push_back(nn::make<nn::Linear>(256, 1));
}

Tensor MlpGanDiscriminator::forward(const Tensor& images) {
  check_images(type_name(), images, options.channels, options.image_size, options.image_size);
  return (*model)(images.flatten(1));
}

}  // namespace ganforge::gan
