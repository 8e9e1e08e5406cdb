// Sample sheets: a batch of images tiled into one PNG, laid out as torchvision's
// make_grid / save_image do (per_row images a row, `padding` pixels around every tile,
// values mapped from [low, high] to 0..255 and clamped).
#pragma once

#include <filesystem>

#include "core/tensor.h"
#include "gan/data/image.h"

namespace ganforge::data {

struct GridOptions {
  int per_row = 8;
  int padding = 2;
  double low = -1;
  double high = 1;
  uint8_t pad_value = 0;
};

// A [B, C, H, W] batch (C = 1 or 3; grayscale becomes RGB) as one RGB image.
Image make_grid(const Tensor& batch, const GridOptions& options = {});
// Writes an image (a sample sheet, a plot) as a PNG, atomically (nn/atomic_file.h): a failed
// write throws naming the file and leaves what `path` held before as it was.
void save_png(const std::filesystem::path& path, const Image& image);
void save_grid(const std::filesystem::path& path, const Tensor& batch, const GridOptions& options = {});

}  // namespace ganforge::data
