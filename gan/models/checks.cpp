#include "gan/models/checks.h"

#include <stdexcept>

#include "core/shape.h"

namespace ganforge::gan {

void check_images(const std::string& model, const Tensor& images, int64_t channels, int64_t height, int64_t width,
                  const std::string& why) {
  if (images.dim() == 4 && images.size(0) > 0 && images.size(1) == channels && (height < 0 || images.size(2) == height) &&
      (width < 0 || images.size(3) == width))
    return;
  auto size = [](int64_t n, const char* any) { return n < 0 ? std::string(any) : std::to_string(n); };
  throw std::invalid_argument(model + ": images must be [N, " + std::to_string(channels) + ", " + size(height, "H") +
                              ", " + size(width, "W") + "]; got " + shape_str(images.shape()) +
                              (why.empty() ? "" : " (" + why + ")"));
}

void check_vectors(const std::string& model, const std::string& what, const Tensor& vectors, int64_t features) {
  if (vectors.dim() == 2 && vectors.size(0) > 0 && vectors.size(1) == features) return;
  throw std::invalid_argument(model + ": " + what + " must be [N, " + std::to_string(features) + "]; got " +
                              shape_str(vectors.shape()));
}

void check_labels(const std::string& model, const Tensor& labels, int64_t batch) {
  if (labels.dtype() == DType::I64 && labels.dim() == 1 && labels.size(0) == batch) return;
  throw std::invalid_argument(model + ": labels must be i64 [" + std::to_string(batch) + "] (one per image); got " +
                              (labels.dtype() == DType::I64 ? "i64 " : "non-i64 ") +
                              shape_str(labels.shape()));
}

}  // namespace ganforge::gan
