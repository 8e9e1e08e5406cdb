#include "gan/models/cgan.h"

#include "core/ops.h"
#include "gan/models/checks.h"
#include "gan/models/mlp_gan.h"
#include "nn/activation.h"
#include "nn/dropout.h"

namespace ganforge::gan {

CganGenerator::CganGenerator(CganOptions o)
    : options(o),
      label_emb(register_module("label_emb", nn::make<nn::Embedding>(o.classes, o.classes))),
      model(register_module("model", mlp_generator_layers(o.classes + o.latent_dim,
                                                          o.channels * o.image_size * o.image_size, o.bn_eps))) {}

Tensor CganGenerator::forward(const Tensor& z, const Tensor& labels) {
  check_vectors(type_name(), "z", z, options.latent_dim);
  check_labels(type_name(), labels, z.size(0));
  return (*model)(cat({(*label_emb)(labels), z}, -1))
      .reshape({z.size(0), options.channels, options.image_size, options.image_size});
}

CganDiscriminator::CganDiscriminator(CganOptions o, Generator* dropout_generator)
    : options(o),
      label_embedding(register_module("label_embedding", nn::make<nn::Embedding>(o.classes, o.classes))),
      model(register_module("model", nn::make<nn::Sequential>())) {
  model->push_back(nn::make<nn::Linear>(o.classes + o.channels * o.image_size * o.image_size, 512));
  model->push_back(nn::make<nn::LeakyReLU>(0.2));
  for (int i = 0; i < 2; ++i) {
    model->push_back(nn::make<nn::Linear>(512, 512));
    model->push_back(nn::make<nn::Dropout>(o.dropout, dropout_generator));
    model->push_back(nn::make<nn::LeakyReLU>(0.2));
  }
  model->push_back(nn::make<nn::Linear>(512, 1));
}

Tensor CganDiscriminator::forward(const Tensor& images, const Tensor& labels) {
  check_images(type_name(), images, options.channels, options.image_size, options.image_size);
  check_labels(type_name(), labels, images.size(0));
  return (*model)(cat({images.flatten(1), (*label_embedding)(labels)}, -1));
}

}  // namespace ganforge::gan
