// The six recipes' constructors (one file each: recipe_<model>.cpp); make_recipe picks one.
#pragma once

#include "gan/train/recipe.h"

namespace ganforge::gan {

std::unique_ptr<Recipe> make_unconditional_recipe(const TrainOptions& options, Device device);  // GAN, DCGAN
std::unique_ptr<Recipe> make_cgan_recipe(const TrainOptions& options, Device device);
std::unique_ptr<Recipe> make_infogan_recipe(const TrainOptions& options, Device device);
std::unique_ptr<Recipe> make_pix2pix_recipe(const TrainOptions& options, Device device, const data::Batch& fixed);
std::unique_ptr<Recipe> make_cyclegan_recipe(const TrainOptions& options, Device device, const data::Batch& fixed);

}  // namespace ganforge::gan
