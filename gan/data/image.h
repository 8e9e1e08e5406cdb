// Images as 8-bit, interleaved (height x width x channels) pixels; decoding (PNG, JPEG,
// BMP) and PNG and JPEG encoding with stb, and the conversion to and from float tensors.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace ganforge::data {

struct Image {
  int width = 0;
  int height = 0;
  int channels = 0;  // 1 (gray) or 3 (RGB)
  std::vector<uint8_t> pixels;  // row-major, channels interleaved

  Image() = default;
  Image(int width, int height, int channels);
  uint8_t& at(int y, int x, int c) { return pixels[(static_cast<size_t>(y) * width + x) * channels + c]; }
  uint8_t at(int y, int x, int c) const { return pixels[(static_cast<size_t>(y) * width + x) * channels + c]; }
};

// The whole file; a DataError names the path when it cannot be read.
std::vector<uint8_t> read_file(const std::filesystem::path& path);

// Decodes PNG, JPEG or BMP bytes to RGB: grayscale is replicated, alpha dropped. `name`
// is the file the bytes came from, for the error message. Images of more than
// kMaxImagePixels pixels (e.g. 8192 x 4096) are refused with a DataError.
constexpr int64_t kMaxImagePixels = int64_t{1} << 25;
Image decode_image(const std::vector<uint8_t>& bytes, const std::filesystem::path& name);
Image read_image(const std::filesystem::path& path);

std::vector<uint8_t> encode_png(const Image& image);
void write_png(const std::filesystem::path& path, const Image& image);
std::vector<uint8_t> encode_jpeg(const Image& image, int quality = 95);

// The format write_image picks from a file name's extension, in any case: .png, or .jpg and
// .jpeg; nullopt for any other.
enum class ImageFormat { Png, Jpeg };
std::optional<ImageFormat> image_format(const std::filesystem::path& path);
inline constexpr const char* kImageExtensions = ".png, .jpg or .jpeg";
// PNG or JPEG (quality 95) by the extension; another extension is an invalid_argument.
void write_image(const std::filesystem::path& path, const Image& image);

// [C, H, W] float32 in [-1, 1]: 0 -> -1, 255 -> 1.
Tensor to_tensor(const Image& image);
// Writes `image` as [C, H, W] floats in [-1, 1] at `out` (the layout of one batch element).
void to_floats(const Image& image, float* out);
// A [C, H, W] tensor (C = 1 or 3) with values in [low, high] back to 8-bit pixels;
// values outside the range are clamped.
Image from_tensor(const Tensor& chw, double low = -1, double high = 1);

}  // namespace ganforge::data
