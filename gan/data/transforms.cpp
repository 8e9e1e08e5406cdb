#include "gan/data/transforms.h"

#include <stb_image_resize.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace ganforge::data {

Image resize(const Image& image, int width, int height, Filter filter) {
  if (width <= 0 || height <= 0)
    throw std::invalid_argument("resize: target size must be positive, got " + std::to_string(width) + "x" +
                                std::to_string(height));
  if (width == image.width && height == image.height) return image;
  Image out(width, height, image.channels);
  stbir_filter f = filter == Filter::Bilinear ? STBIR_FILTER_TRIANGLE : STBIR_FILTER_CATMULLROM;
  if (!stbir_resize_uint8_generic(image.pixels.data(), image.width, image.height, 0, out.pixels.data(), width, height,
                                  0, image.channels, STBIR_ALPHA_CHANNEL_NONE, 0, STBIR_EDGE_CLAMP, f,
                                  STBIR_COLORSPACE_LINEAR, nullptr))
    throw std::runtime_error("resize: stb_image_resize failed");
  return out;
}

Image crop(const Image& image, int x, int y, int width, int height) {
  if (x < 0 || y < 0 || width <= 0 || height <= 0 || x + width > image.width || y + height > image.height)
    throw std::invalid_argument("crop: " + std::to_string(width) + "x" + std::to_string(height) + " at (" +
                                std::to_string(x) + ", " + std::to_string(y) + ") does not fit a " +
                                std::to_string(image.width) + "x" + std::to_string(image.height) + " image");
  Image out(width, height, image.channels);
  const size_t row = static_cast<size_t>(width) * image.channels;
  for (int r = 0; r < height; ++r)
    std::copy_n(&image.pixels[(static_cast<size_t>(y + r) * image.width + x) * image.channels], row,
                &out.pixels[r * row]);
  return out;
}

Image pad(const Image& image, int border) {
  if (border < 0) throw std::invalid_argument("pad: the border must be at least 0 pixels; got " + std::to_string(border));
  Image out(image.width + 2 * border, image.height + 2 * border, image.channels);
  std::fill(out.pixels.begin(), out.pixels.end(), uint8_t{0});
  const size_t row = static_cast<size_t>(image.width) * image.channels;
  for (int r = 0; r < image.height; ++r)
    std::copy_n(&image.pixels[r * row], row, &out.pixels[(static_cast<size_t>(r + border) * out.width + border) * image.channels]);
  return out;
}

Image hflip(const Image& image) {
  Image out(image.width, image.height, image.channels);
  for (int y = 0; y < image.height; ++y)
    for (int x = 0; x < image.width; ++x)
      for (int c = 0; c < image.channels; ++c) out.at(y, image.width - 1 - x, c) = image.at(y, x, c);
  return out;
}

Image left_half(const Image& image) {
  if (image.width % 2 != 0) throw std::invalid_argument("left_half: width " + std::to_string(image.width) + " is odd");
  return crop(image, 0, 0, image.width / 2, image.height);
}

Image right_half(const Image& image) {
  if (image.width % 2 != 0) throw std::invalid_argument("right_half: width " + std::to_string(image.width) + " is odd");
  return crop(image, image.width / 2, 0, image.width / 2, image.height);
}

Augment Augment::sample(const AugmentOptions& options, SampleRng& rng) {
  Augment a;
  a.options = options;
  if (options.crop_size > 0 && options.random_crop) {
    a.crop_x = rng.uniform();
    a.crop_y = rng.uniform();
  }
  if (options.flip) a.flipped = rng.coin();
  return a;
}

Image Augment::apply(const Image& image) const {
  Image out = options.load_size > 0 ? resize(image, options.load_size, options.load_size, options.filter) : image;
  if (options.pad > 0) out = pad(out, options.pad);
  if (options.crop_size > 0) {
    if (options.crop_size > out.width || options.crop_size > out.height)
      throw std::invalid_argument("augment: crop " + std::to_string(options.crop_size) + " is larger than the " +
                                  std::to_string(out.width) + "x" + std::to_string(out.height) + " image");
    // Offsets are fractions of the slack, so every image of a pair gets the same crop.
    int x = static_cast<int>(std::floor(crop_x * (out.width - options.crop_size + 1)));
    int y = static_cast<int>(std::floor(crop_y * (out.height - options.crop_size + 1)));
    x = std::min(x, out.width - options.crop_size);
    y = std::min(y, out.height - options.crop_size);
    out = crop(out, x, y, options.crop_size, options.crop_size);
  }
  return flipped ? hflip(out) : out;
}

}  // namespace ganforge::data
