// A Recipe is one model's training procedure (docs/models.md): its networks, optimizers and
// schedules, one training step on a batch, and the sample grids it draws from fixed inputs.
// The Trainer (trainer.h) runs any recipe: the loop, logging, samples and checkpoints.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gan/data/loader.h"
#include "gan/train/options.h"
#include "nn/nn.h"

namespace ganforge::gan {

// Named scalars of one step, in display order: losses ("loss_D", "loss_G", ...) and the mean
// discriminator outputs ("D(x)", "D(G(z))").
using StepValues = std::vector<std::pair<std::string, double>>;

// A sample sheet: a name ("" for the main one, "category", ...) and its image.
struct SampleGrid {
  std::string name;
  data::Image image;
};

class Recipe {
 public:
  virtual ~Recipe() = default;

  // What a checkpoint holds, by name: networks ("G", "D", ...), optimizers, schedules, and any
  // other state (CycleGAN's image pools).
  virtual std::vector<std::pair<std::string, nn::Module*>> networks() = 0;
  virtual std::vector<std::pair<std::string, nn::Optimizer*>> optimizers() = 0;
  virtual std::vector<std::pair<std::string, nn::LRScheduler*>> schedules() { return {}; }
  virtual nn::StateDict extra_state() const { return {}; }
  virtual void load_extra_state(const nn::StateDict& state);

  // One optimisation step on a batch already on the training device.
  virtual StepValues train_step(const data::Batch& batch) = 0;
  // Called after every epoch (learning-rate schedules step here).
  virtual void end_epoch();

  // The sample sheets from this recipe's fixed inputs (eval mode, no gradients).
  virtual std::vector<SampleGrid> sample_grids() = 0;

  // `ganforge sample`: n generated images [n, C, H, W] in [-1, 1]; label >= 0 picks a class
  // (cGAN) or a category (InfoGAN). Translation models throw.
  virtual Tensor generate(int64_t n, int64_t label, Generator& gen);
  // `ganforge translate`: images [N, C, H, W] in [-1, 1] through the generator (reverse: the
  // B -> A generator of CycleGAN). Unconditional models throw.
  virtual Tensor translate(const Tensor& images, bool reverse);
  // `ganforge eval` of InfoGAN: Q's most likely category code of each image [N, C, H, W] in
  // [-1, 1], as i64 [N]. The other models throw.
  virtual Tensor predict_category(const Tensor& images);
};

// The recipe's defaults for everything left 0 / empty in `options` (epochs, batch, lr, image
// size, loss, widths, ...), given the data set's name. The result has every field concrete.
TrainOptions resolve_options(TrainOptions options);

// Builds the recipe's networks (initialised from the default generator) on `device`, for
// resolved options (channels and classes known). `fixed_examples` is a batch of a few
// examples that translation models show in their sample sheets (ignored by the others).
std::unique_ptr<Recipe> make_recipe(const TrainOptions& options, Device device, const data::Batch& fixed_examples = {});

}  // namespace ganforge::gan
