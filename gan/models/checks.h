// Input checks shared by the models: a wrong input is one std::invalid_argument naming the
// model, the shape it needs and the shape it got, before any layer sees it.
#pragma once

#include <cstdint>
#include <string>

#include "core/tensor.h"

namespace ganforge::gan {

// images must be [N, channels, height, width], N >= 1; a height or width of -1 accepts any
// size. `why` (if any) ends the message.
void check_images(const std::string& model, const Tensor& images, int64_t channels, int64_t height, int64_t width,
                  const std::string& why = "");
// vectors must be [N, features], N >= 1.
void check_vectors(const std::string& model, const std::string& what, const Tensor& vectors, int64_t features);
// labels must be i64 [batch] (their range is the embedding lookup's to check).
void check_labels(const std::string& model, const Tensor& labels, int64_t batch);

}  // namespace ganforge::gan
