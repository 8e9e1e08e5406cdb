// The host memory a training run needs, estimated before it starts, so that a configuration
// that cannot fit is refused with the numbers instead of being ended by the OOM killer:
//   - parameters: exact once the networks exist: their weights, gradients and Adam's two
//     moments (every recipe trains with Adam), 4 x the parameters' bytes;
//   - activations: a lower bound of kActivationFactor image-sized f32 tensors for each image
//     of a batch (pix2pix and CycleGAN train on two images an example). Measured as the growth
//     of the peak memory with the batch, at the default sizes, a step holds 18 (MLP GAN),
//     26 (cGAN), 67 (pix2pix), 170 (InfoGAN), 262 (DCGAN) and 1577 (CycleGAN) per image; the
//     estimate takes less than the least, so that it never refuses a run that fits. What it
//     misses fails at its allocation, naming the tensor (core/tensor.cpp's empty()).
// Only host memory is checked: devices cpu and cuda-sim.
#pragma once

#include "gan/train/options.h"
#include "gan/train/recipe.h"

namespace ganforge::gan {

constexpr int64_t kActivationFactor = 16;

// Throws when the estimate exceeds what the run can have, naming both: available_host_memory()
// (core/storage.h), plus what the networks already take. `recipe`: null before the networks
// are built (then the activations alone are checked).
void check_memory(const TrainOptions& options, Device device, Recipe* recipe);

}  // namespace ganforge::gan
