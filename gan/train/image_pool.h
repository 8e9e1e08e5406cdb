// CycleGAN's history of generated images (the reference's ImagePool): D is shown a mix of the
// newest fakes and older ones, which steadies its training. Until `capacity` images are held
// each new one is stored and returned; after that, with probability ½ a stored image is
// returned and replaced by the new one, else the new one is returned. The coin flips and
// choices come from the default generator, so a seeded run is reproducible.
#pragma once

#include <vector>

#include "core/tensor.h"
#include "nn/module.h"

namespace ganforge::gan {

class ImagePool {
 public:
  explicit ImagePool(int64_t capacity) : capacity_(capacity) {}
  // images [N, C, H, W] (detached) -> [N, C, H, W] to show D.
  Tensor query(const Tensor& images);
  size_t size() const { return images_.size(); }

  // The held images as one tensor ("images": [k, C, H, W]), for checkpoints.
  nn::StateDict state_dict() const;
  void load_state_dict(const nn::StateDict& state, Device device);

 private:
  int64_t capacity_;
  std::vector<Tensor> images_;  // each [1, C, H, W]
};

}  // namespace ganforge::gan
