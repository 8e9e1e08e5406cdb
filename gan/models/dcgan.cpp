#include "gan/models/dcgan.h"

#include <stdexcept>

#include "core/shape.h"
#include "gan/models/checks.h"
#include "gan/models/init.h"
#include "nn/activation.h"
#include "nn/conv.h"
#include "nn/norm.h"

namespace ganforge::gan {
namespace {

// Stride-2 levels between the 4x4 map and the image: 64 -> 32 -> 16 -> 8 -> 4 has four,
// 32 and 28 have three (28 -> 14 -> 7 -> 3 for D; G reaches 7 from 4 with a 3x3 kernel).
int levels(const DcganOptions& o) {
  if (o.image_size == 64) return 4;
  if (o.image_size == 32 || o.image_size == 28) return 3;
  throw std::invalid_argument("DCGAN: image_size must be 28, 32 or 64; got " + std::to_string(o.image_size));
}

}  // namespace

DcganGenerator::DcganGenerator(DcganOptions o) : options(o), main(register_module("main", nn::make<nn::Sequential>())) {
  const int n = levels(o);
  int64_t width = o.ngf << (n - 1);
  main->push_back(nn::make<nn::ConvTranspose2d>(o.latent_dim, width, 4, nn::ConvTranspose2dOptions{.bias = false}));
  main->push_back(nn::make<nn::BatchNorm2d>(width));
  main->push_back(nn::make<nn::ReLU>());
  for (int i = 1; i < n; ++i) {
    const int64_t kernel = (o.image_size == 28 && i == 1) ? 3 : 4;
    main->push_back(nn::make<nn::ConvTranspose2d>(width, width / 2, kernel,
                                                  nn::ConvTranspose2dOptions{.stride = 2, .padding = 1, .bias = false}));
    width /= 2;
    main->push_back(nn::make<nn::BatchNorm2d>(width));
    main->push_back(nn::make<nn::ReLU>());
  }
  main->push_back(nn::make<nn::ConvTranspose2d>(width, o.channels, 4,
                                                nn::ConvTranspose2dOptions{.stride = 2, .padding = 1, .bias = false}));
  main->push_back(nn::make<nn::Tanh>());
}

Tensor DcganGenerator::forward(const Tensor& z) {
  const bool flat = z.dim() == 2 && z.size(1) == options.latent_dim;
  const bool image = z.dim() == 4 && z.size(1) == options.latent_dim && z.size(2) == 1 && z.size(3) == 1;
  if (!flat && !image) {
    throw std::invalid_argument("DcganGenerator: z must be [N, " + std::to_string(options.latent_dim) + "] or [N, " +
                                std::to_string(options.latent_dim) + ", 1, 1]; got " + shape_str(z.shape()));
  }
  return (*main)(z.reshape({z.size(0), options.latent_dim, 1, 1}));
}

DcganDiscriminator::DcganDiscriminator(DcganOptions o)
    : options(o), main(register_module("main", nn::make<nn::Sequential>())) {
  const int n = levels(o);
  const nn::Conv2dOptions down{.stride = 2, .padding = 1, .bias = false};
  int64_t width = o.ndf;
  main->push_back(nn::make<nn::Conv2d>(o.channels, width, 4, down));
  main->push_back(nn::make<nn::LeakyReLU>(0.2));
  for (int i = 1; i < n; ++i) {
    main->push_back(nn::make<nn::Conv2d>(width, width * 2, 4, down));
    width *= 2;
    main->push_back(nn::make<nn::BatchNorm2d>(width));
    main->push_back(nn::make<nn::LeakyReLU>(0.2));
  }
  main->push_back(nn::make<nn::Conv2d>(width, 1, o.image_size == 28 ? 3 : 4, nn::Conv2dOptions{.bias = false}));
}

Tensor DcganDiscriminator::forward(const Tensor& images) {
  check_images(type_name(), images, options.channels, options.image_size, options.image_size);
  return (*main)(images).reshape({images.size(0), 1});
}

void dcgan_init(nn::Module& module, Generator* gen) { normal_init(module, {.std = 0.02}, gen); }

}  // namespace ganforge::gan
