// Writes each fuzz target's seed corpus: a few small, valid inputs, into <out>/<target>/.
#include <stb_image_write.h>
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "gan/data/image.h"

namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

void write(const fs::path& path, const Bytes& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("make_seeds: cannot write " + path.string());
}

Bytes idx(const std::vector<uint32_t>& dims) {
  Bytes bytes{0, 0, 0x08, static_cast<uint8_t>(dims.size())};
  size_t count = 1;
  for (uint32_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<uint8_t>(d >> shift));
    count *= d;
  }
  for (size_t i = 0; i < count; ++i) bytes.push_back(static_cast<uint8_t>(i * 37 % 10));
  return bytes;
}

Bytes gzip(const Bytes& bytes) {
  Bytes out(compressBound(static_cast<uLong>(bytes.size())) + 32);
  z_stream z{};
  // windowBits 15 + 16: a gzip wrapper, as the .gz files read_idx accepts
  if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("make_seeds: deflateInit2 failed");
  z.next_in = const_cast<Bytes::value_type*>(bytes.data());
  z.avail_in = static_cast<uInt>(bytes.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  int status = deflate(&z, Z_FINISH);
  deflateEnd(&z);
  if (status != Z_STREAM_END) throw std::runtime_error("make_seeds: deflate failed");
  out.resize(z.total_out);
  return out;
}

Bytes cifar_records(int count) {
  Bytes bytes;
  for (int r = 0; r < count; ++r) {
    bytes.push_back(static_cast<uint8_t>(r % 10));
    for (int i = 0; i < 3 * 32 * 32; ++i) bytes.push_back(static_cast<uint8_t>(i * 7 + r));
  }
  return bytes;
}

ganforge::data::Image pattern(int width, int height, int channels) {
  ganforge::data::Image image(width, height, channels);
  for (size_t i = 0; i < image.pixels.size(); ++i) image.pixels[i] = static_cast<uint8_t>(i * 41);
  return image;
}

void append(void* context, void* data, int size) {
  auto* bytes = static_cast<uint8_t*>(data);
  static_cast<Bytes*>(context)->insert(static_cast<Bytes*>(context)->end(), bytes, bytes + size);
}

Bytes bmp(const ganforge::data::Image& image) {
  Bytes out;
  stbi_write_bmp_to_func(append, &out, image.width, image.height, image.channels, image.pixels.data());
  return out;
}

Bytes jpeg(const ganforge::data::Image& image) {
  Bytes out;
  stbi_write_jpg_to_func(append, &out, image.width, image.height, image.channels, image.pixels.data(), 90);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_seeds OUT_DIR\n");
    return 2;
  }
  const fs::path out = argv[1];
  write(out / "fuzz_idx" / "labels-idx1", idx({5}));
  write(out / "fuzz_idx" / "images-idx3", idx({2, 3, 4}));
  write(out / "fuzz_idx" / "images-idx3.gz", gzip(idx({2, 3, 4})));
  write(out / "fuzz_idx" / "empty-idx2", idx({0, 7}));
  write(out / "fuzz_cifar" / "one-record.bin", cifar_records(1));
  write(out / "fuzz_cifar" / "two-records.bin", cifar_records(2));
  write(out / "fuzz_image" / "rgb.png", ganforge::data::encode_png(pattern(3, 2, 3)));
  write(out / "fuzz_image" / "gray.png", ganforge::data::encode_png(pattern(2, 3, 1)));
  write(out / "fuzz_image" / "rgb.bmp", bmp(pattern(3, 2, 3)));
  write(out / "fuzz_image" / "rgb.jpg", jpeg(pattern(8, 8, 3)));
  write(out / "fuzz_image" / "gray.jpg", jpeg(pattern(8, 8, 1)));
  return 0;
}
