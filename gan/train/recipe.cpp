// The recipe defaults of docs/models.md, and the factory.
#include "gan/train/recipe.h"

#include <stdexcept>

#include "core/dispatch.h"
#include "gan/train/data_source.h"
#include "gan/train/recipes.h"

namespace ganforge::gan {

void Recipe::load_extra_state(const nn::StateDict& state) {
  if (!state.empty()) throw std::invalid_argument("this model keeps no extra training state, but the checkpoint has some");
}

void Recipe::end_epoch() {
  for (auto& [name, schedule] : schedules()) schedule->step();
}

Tensor Recipe::generate(int64_t, int64_t, Generator&) {
  throw std::invalid_argument("this model translates images; use `ganforge translate`");
}

Tensor Recipe::translate(const Tensor&, bool) {
  throw std::invalid_argument("this model generates images from noise; use `ganforge sample`");
}

Tensor Recipe::predict_category(const Tensor&) {
  throw std::invalid_argument("only InfoGAN has a category code for its discriminator to predict");
}

TrainOptions resolve_options(TrainOptions o) {
  const bool translation = o.arch == Arch::Pix2pix || o.arch == Arch::Cyclegan;
  if (o.data.empty()) o.data = o.arch == Arch::Pix2pix ? "facades" : o.arch == Arch::Cyclegan ? "horse2zebra" : "mnist";
  const bool mnist_like = is_idx_data(o.data);
  auto set = [](auto& field, auto value) {
    if (field == 0) field = value;
  };
  auto set_text = [](std::string& field, const char* value) {
    if (field.empty()) field = value;
  };
  switch (o.arch) {
    case Arch::Gan:  // PyTorch-GAN: 200 epochs, batch 64, lr 2e-4, 28x28
      set(o.epochs, 200);
      set(o.batch, 64);
      set(o.image_size, 28);
      set_text(o.order, "g-first");
      break;
    case Arch::Dcgan:  // pytorch/examples: 25 epochs, batch 64; 28x28 for MNIST (the C++ example), else 64x64
      set(o.epochs, 25);
      set(o.batch, 64);
      set(o.image_size, mnist_like ? 28 : 64);
      break;
    case Arch::Cgan:  // PyTorch-GAN: least squares, 32x32, G step first
      set(o.epochs, 200);
      set(o.batch, 64);
      set(o.image_size, 32);
      set_text(o.loss, "lsgan");
      set_text(o.order, "g-first");
      break;
    case Arch::Infogan:  // the paper: batch 128, D lr 2e-4, G lr 1e-3
      set(o.epochs, 50);
      set(o.batch, 128);
      set(o.image_size, 28);
      break;
    case Arch::Pix2pix:  // 100 constant + 100 decaying epochs, batch 1, 256x256
    case Arch::Cyclegan:
      set(o.batch, 1);
      set(o.image_size, 256);
      if (o.epochs == 0) o.epochs = 200;
      if (o.decay_epochs < 0) o.decay_epochs = o.epochs / 2;
      if (o.direction.empty()) o.direction = o.data == "facades" ? "BtoA" : "AtoB";
      // The 70x70 PatchGAN halves the image three times, then needs a 3x3 map for its k4 s1 p1 convs.
      if (o.image_size < 32)
        throw std::invalid_argument(std::string(arch_name(o.arch)) + "'s PatchGAN discriminator needs images of at least 32x32; got --image-size " +
                                    std::to_string(o.image_size));
      if (o.decay_epochs > o.epochs)
        throw std::invalid_argument("--decay-epochs " + std::to_string(o.decay_epochs) + " exceeds --epochs " +
                                    std::to_string(o.epochs) + " (the decay is the last part of the epochs)");
      if (o.arch == Arch::Cyclegan) {
        set_text(o.loss, "lsgan");
        set_text(o.order, "g-first");
        set(o.blocks, o.image_size >= 256 ? 9 : 6);
        if (o.image_size % 4 != 0)
          throw std::invalid_argument("cyclegan's ResNet generator needs an image size that is a multiple of 4; got --image-size " +
                                      std::to_string(o.image_size));
      } else {
        int64_t depth = 0;
        for (int64_t s = o.image_size; s > 1 && s % 2 == 0; s /= 2) ++depth;
        if ((int64_t{1} << depth) != o.image_size)
          throw std::invalid_argument("pix2pix's U-Net needs an image size that is a power of two (256: unet_256, 128: "
                                      "unet_128); got --image-size " + std::to_string(o.image_size));
        set(o.depth, depth);
        if (o.depth != depth)
          throw std::invalid_argument("--depth " + std::to_string(o.depth) + " does not reach a 1x1 bottleneck from --image-size " +
                                      std::to_string(o.image_size) + "; that needs --depth " + std::to_string(depth));
      }
      break;
  }
  if (!translation && o.decay_epochs < 0) o.decay_epochs = 0;
  set_text(o.loss, "bce");
  set_text(o.order, "d-first");
  parse_loss(o.loss);
  parse_math(o.math);
  if (o.order != "d-first" && o.order != "g-first")
    throw std::invalid_argument("--order must be d-first or g-first; got '" + o.order + "'");
  set(o.lr, 2e-4);
  set(o.ngf, 64);
  set(o.ndf, 64);
  if (o.batch < 1 || o.epochs < 0 || o.steps < 0 || o.image_size < 2 || o.lr <= 0 || o.log_every < 1)
    throw std::invalid_argument("training options out of range: batch, image size, learning rate and log interval must be positive");
  return o;
}

std::unique_ptr<Recipe> make_recipe(const TrainOptions& o, Device device, const data::Batch& fixed) {
  switch (o.arch) {
    case Arch::Gan:
    case Arch::Dcgan: return make_unconditional_recipe(o, device);
    case Arch::Cgan: return make_cgan_recipe(o, device);
    case Arch::Infogan: return make_infogan_recipe(o, device);
    case Arch::Pix2pix: return make_pix2pix_recipe(o, device, fixed);
    case Arch::Cyclegan: return make_cyclegan_recipe(o, device, fixed);
  }
  throw std::logic_error("make_recipe: unknown model");
}

}  // namespace ganforge::gan
