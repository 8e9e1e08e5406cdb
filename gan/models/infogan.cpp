#include "gan/models/infogan.h"

#include <stdexcept>

#include "gan/models/checks.h"
#include "nn/activation.h"
#include "nn/conv.h"
#include "nn/norm.h"

namespace ganforge::gan {
namespace {

int64_t quarter(const InfoganOptions& o) {
  if (o.image_size <= 0 || o.image_size % 4 != 0)
    throw std::invalid_argument("InfoGAN: image_size must be a positive multiple of 4; got " +
                                std::to_string(o.image_size));
  return o.image_size / 4;
}

const nn::Conv2dOptions kDown{.stride = 2, .padding = 1};

}  // namespace

InfoganGenerator::InfoganGenerator(InfoganOptions o)
    : options(o),
      fc(register_module("fc", nn::make<nn::Sequential>())),
      deconv(register_module("deconv", nn::make<nn::Sequential>())) {
  const int64_t s = quarter(o);
  fc->push_back(nn::make<nn::Linear>(o.latent_dim(), 1024));
  fc->push_back(nn::make<nn::BatchNorm1d>(1024));
  fc->push_back(nn::make<nn::ReLU>());
  fc->push_back(nn::make<nn::Linear>(1024, 128 * s * s));
  fc->push_back(nn::make<nn::BatchNorm1d>(128 * s * s));
  fc->push_back(nn::make<nn::ReLU>());
  const nn::ConvTranspose2dOptions up{.stride = 2, .padding = 1};
  deconv->push_back(nn::make<nn::ConvTranspose2d>(128, 64, 4, up));
  deconv->push_back(nn::make<nn::BatchNorm2d>(64));
  deconv->push_back(nn::make<nn::ReLU>());
  deconv->push_back(nn::make<nn::ConvTranspose2d>(64, o.channels, 4, up));
  deconv->push_back(nn::make<nn::Tanh>());
}

Tensor InfoganGenerator::forward(const Tensor& latent) {
  check_vectors(type_name(), "latent", latent, options.latent_dim());
  const int64_t s = options.image_size / 4;
  return (*deconv)((*fc)(latent).reshape({latent.size(0), 128, s, s}));
}

InfoganDiscriminator::InfoganDiscriminator(InfoganOptions o)
    : options(o),
      body(register_module("body", nn::make<nn::Sequential>())),
      d_head(register_module("d_head", nn::make<nn::Linear>(1024, 1))),
      q_head(register_module("q_head", nn::make<nn::Sequential>())) {
  const int64_t s = quarter(o);
  body->push_back(nn::make<nn::Conv2d>(o.channels, 64, 4, kDown));
  body->push_back(nn::make<nn::LeakyReLU>(0.2));
  body->push_back(nn::make<nn::Conv2d>(64, 128, 4, kDown));
  body->push_back(nn::make<nn::BatchNorm2d>(128));
  body->push_back(nn::make<nn::LeakyReLU>(0.2));
  body->push_back(nn::make<nn::Flatten>());
  body->push_back(nn::make<nn::Linear>(128 * s * s, 1024));
  body->push_back(nn::make<nn::BatchNorm1d>(1024));
  body->push_back(nn::make<nn::LeakyReLU>(0.2));
  q_head->push_back(nn::make<nn::Linear>(1024, 128));
  q_head->push_back(nn::make<nn::BatchNorm1d>(128));
  q_head->push_back(nn::make<nn::LeakyReLU>(0.2));
  q_head->push_back(nn::make<nn::Linear>(128, o.categories + o.continuous));
}

Tensor InfoganDiscriminator::features(const Tensor& images) {
  check_images(type_name(), images, options.channels, options.image_size, options.image_size);
  return (*body)(images);
}

Tensor InfoganDiscriminator::d_logits(const Tensor& features) { return (*d_head)(features); }

InfoganDiscriminator::QOutput InfoganDiscriminator::q(const Tensor& features) {
  Tensor out = (*q_head)(features);
  return {out.narrow(1, 0, options.categories), out.narrow(1, options.categories, options.continuous)};
}

Tensor InfoganDiscriminator::forward(const Tensor& images) { return d_logits(features(images)); }

}  // namespace ganforge::gan
