#include "gan/data/image.h"

#include <stb_image.h>
#include <stb_image_write.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <memory>

#include "gan/data/error.h"

namespace ganforge::data {

Image::Image(int w, int h, int c)
    : width(w), height(h), channels(c), pixels(static_cast<size_t>(w) * h * c) {}

std::vector<uint8_t> read_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw DataError(path, "expected a file, found a folder");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path, "cannot open for reading (missing or unreadable)");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw DataError(path, "read error");
  return bytes;
}

Image decode_image(const std::vector<uint8_t>& bytes, const std::filesystem::path& name) {
  if (bytes.empty()) throw DataError(name, "empty file; expected a PNG, JPEG or BMP image");
  if (bytes.size() > static_cast<size_t>(INT32_MAX)) throw DataError(name, "file too large for an image");
  int w = 0, h = 0, file_channels = 0;
  // Asking stb for 3 channels replicates grayscale and drops alpha.
  std::unique_ptr<stbi_uc, void (*)(void*)> decoded(
      stbi_load_from_memory(bytes.data(), static_cast<int>(bytes.size()), &w, &h, &file_channels, 3), stbi_image_free);
  if (!decoded)
    throw DataError(name, std::string("cannot decode as a PNG, JPEG or BMP image (") + stbi_failure_reason() + ")");
  Image image(w, h, 3);
  std::copy_n(decoded.get(), image.pixels.size(), image.pixels.begin());
  return image;
}

Image read_image(const std::filesystem::path& path) { return decode_image(read_file(path), path); }

std::vector<uint8_t> encode_png(const Image& image) {
  if (image.channels != 1 && image.channels != 3) throw std::invalid_argument("encode_png: expected 1 or 3 channels");
  std::vector<uint8_t> out;
  auto append = [](void* context, void* data, int size) {
    auto* bytes = static_cast<uint8_t*>(data);
    static_cast<std::vector<uint8_t>*>(context)->insert(static_cast<std::vector<uint8_t>*>(context)->end(), bytes,
                                                         bytes + size);
  };
  if (!stbi_write_png_to_func(append, &out, image.width, image.height, image.channels, image.pixels.data(),
                              image.width * image.channels))
    throw std::runtime_error("encode_png: stb could not encode a " + std::to_string(image.width) + "x" +
                             std::to_string(image.height) + " image");
  return out;
}

void write_png(const std::filesystem::path& path, const Image& image) {
  std::vector<uint8_t> png = encode_png(image);
  std::ofstream out(path, std::ios::binary);
  if (!out) throw DataError(path, "cannot open for writing");
  out.write(reinterpret_cast<const char*>(png.data()), static_cast<std::streamsize>(png.size()));
  if (!out) throw DataError(path, "write error");
}

void to_floats(const Image& image, float* out) {
  const size_t plane = static_cast<size_t>(image.width) * image.height;
  for (size_t p = 0; p < plane; ++p)
    for (int c = 0; c < image.channels; ++c)
      out[c * plane + p] = static_cast<float>(image.pixels[p * image.channels + c]) / 127.5f - 1.0f;
}

Tensor to_tensor(const Image& image) {
  Tensor t = empty({image.channels, image.height, image.width});
  to_floats(image, static_cast<float*>(t.data_ptr()));
  return t;
}

Image from_tensor(const Tensor& chw, double low, double high) {
  if (chw.dim() != 3 || (chw.size(0) != 1 && chw.size(0) != 3))
    throw std::invalid_argument("from_tensor: expected a [C, H, W] tensor with C = 1 or 3");
  if (!(high > low)) throw std::invalid_argument("from_tensor: expected low < high");
  std::vector<double> values = chw.to_vector<double>();
  Image image(static_cast<int>(chw.size(2)), static_cast<int>(chw.size(1)), static_cast<int>(chw.size(0)));
  const size_t plane = static_cast<size_t>(image.width) * image.height;
  for (int c = 0; c < image.channels; ++c)
    for (size_t p = 0; p < plane; ++p) {
      double unit = std::clamp((values[c * plane + p] - low) / (high - low), 0.0, 1.0);
      image.pixels[p * image.channels + c] = static_cast<uint8_t>(std::lround(unit * 255.0));
    }
  return image;
}

}  // namespace ganforge::data
