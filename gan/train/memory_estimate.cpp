#include "gan/train/memory_estimate.h"

#include <cstdio>
#include <stdexcept>

#include "core/storage.h"

namespace ganforge::gan {
void check_memory(const TrainOptions& options, Device device, Recipe* recipe) {
  if (device.type == DeviceType::CUDA) return;
  double weights = 0;  // bytes, already allocated
  if (recipe)
    for (auto& [name, network] : recipe->networks()) weights += static_cast<double>(network->num_parameters()) * sizeof(float);
  const double images = options.arch == Arch::Pix2pix || options.arch == Arch::Cyclegan ? 2 : 1;
  const double side = static_cast<double>(options.image_size);
  const double activations = static_cast<double>(kActivationFactor) * images * static_cast<double>(options.batch) *
                             static_cast<double>(options.channels) * side * side * sizeof(float);
  const double needed = 4 * weights + activations, available = static_cast<double>(available_host_memory()) + weights;
  if (needed <= available) return;
  const std::string pixels = std::to_string(options.image_size) + "x" + std::to_string(options.image_size);
  throw std::runtime_error("this run needs at least " + bytes_text(needed) + " of memory (" +
                           (recipe ? "parameters, their gradients and Adam's moments " + bytes_text(4 * weights) + ", " : "") +
                           "activations at least " + bytes_text(activations) + " for a batch of " + std::to_string(options.batch) +
                           " at " + pixels + "), but only " + bytes_text(available) +
                           " is available; lower --batch, --image-size or the widths (--ngf, --ndf)");
}

}  // namespace ganforge::gan
