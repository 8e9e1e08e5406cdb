#include "gan/data/grid.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "core/shape.h"
#include "nn/atomic_file.h"

namespace ganforge::data {

Image make_grid(const Tensor& batch, const GridOptions& options) {
  if (batch.dim() != 4 || (batch.size(1) != 1 && batch.size(1) != 3) || batch.size(0) == 0)
    throw std::invalid_argument("make_grid: expected a non-empty [B, C, H, W] batch with C = 1 or 3, got shape " +
                                shape_str(batch.shape()));
  if (options.per_row <= 0 || options.padding < 0)
    throw std::invalid_argument("make_grid: per_row must be positive and padding non-negative");
  const int count = static_cast<int>(batch.size(0));
  const int h = static_cast<int>(batch.size(2)), w = static_cast<int>(batch.size(3));
  const int cols = std::min(options.per_row, count);
  const int rows = (count + cols - 1) / cols;
  const int pad = options.padding;
  Image grid(cols * (w + pad) + pad, rows * (h + pad) + pad, 3);
  std::fill(grid.pixels.begin(), grid.pixels.end(), options.pad_value);
  for (int i = 0; i < count; ++i) {
    Image tile = from_tensor(batch.select(0, i), options.low, options.high);
    const int x0 = pad + (i % cols) * (w + pad), y0 = pad + (i / cols) * (h + pad);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        for (int c = 0; c < 3; ++c) grid.at(y0 + y, x0 + x, c) = tile.at(y, x, tile.channels == 1 ? 0 : c);
  }
  return grid;
}

void save_png(const std::filesystem::path& path, const Image& image) {
  const std::vector<uint8_t> png = encode_png(image);
  nn::AtomicFile file(path.string());
  file.write(png.data(), png.size());
  file.commit();
}

void save_grid(const std::filesystem::path& path, const Tensor& batch, const GridOptions& options) {
  save_png(path, make_grid(batch, options));
}

}  // namespace ganforge::data
