#include "gan/train/image_pool.h"

#include <stdexcept>

#include "core/ganforge.h"

namespace ganforge::gan {

Tensor ImagePool::query(const Tensor& images) {
  if (capacity_ <= 0) return images;
  std::vector<Tensor> out;
  for (int64_t i = 0; i < images.size(0); ++i) {
    Tensor image = images.narrow(0, i, 1).detach().clone();
    if (static_cast<int64_t>(images_.size()) < capacity_) {
      images_.push_back(image);
      out.push_back(image);
    } else if (rand({1}).item<float>() > 0.5f) {
      const int64_t slot = randint(0, capacity_, {1}).item<int64_t>();
      out.push_back(images_[static_cast<size_t>(slot)]);
      images_[static_cast<size_t>(slot)] = image;
    } else {
      out.push_back(image);
    }
  }
  return cat(out, 0);
}

nn::StateDict ImagePool::state_dict() const {
  if (images_.empty()) return {};
  return {{"images", cat(images_, 0)}};
}

void ImagePool::load_state_dict(const nn::StateDict& state, Device device) {
  images_.clear();
  auto it = state.find("images");
  if (it == state.end()) return;
  if (it->second.dim() != 4 || it->second.size(0) > capacity_)
    throw std::invalid_argument("image pool state: expected at most " + std::to_string(capacity_) + " images [k, C, H, W]; got " +
                                shape_str(it->second.shape()));
  for (int64_t i = 0; i < it->second.size(0); ++i) images_.push_back(it->second.narrow(0, i, 1).to(device).contiguous());
}

}  // namespace ganforge::gan
