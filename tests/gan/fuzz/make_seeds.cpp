// Writes each fuzz target's seed corpus: a few small, valid inputs, into <out>/<target>/.
#include <stb_image_write.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/ganforge.h"
#include "gan/data/image.h"
#include "gan/train/checkpoint.h"
#include "nn/safetensors.h"

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

Bytes bytes_of(const std::string& text) { return Bytes(text.begin(), text.end()); }

Bytes read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A file as PyTorch's safetensors writes it: no digests.
Bytes safetensors_without_digests() {
  const std::string header = R"({"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[static_cast<size_t>(i)] = static_cast<char>(header.size() >> (8 * i));
  return bytes_of(out + header + std::string("\0\0\x80\x3f\0\0\0\x40", 8));
}

// A small run's checkpoint folder, as training leaves it: state.json and latest_checkpoint.
fs::path small_run(const fs::path& folder, ganforge::gan::Arch arch, int64_t step) {
  using namespace ganforge;
  gan::TrainOptions o;
  o.arch = arch;
  o.data = "mnist";
  o.ngf = o.ndf = 4;
  o.channels = 1;
  o.classes = 10;
  o.image_size = arch == gan::Arch::Cgan ? 32 : 28;
  o = gan::resolve_options(o);
  auto recipe = gan::make_recipe(o, Device{});
  return gan::save_checkpoint(folder, *recipe, {o, step, 937, 42, 1234});
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

  using namespace ganforge;
  write(out / "fuzz_safetensors" / "three-dtypes.safetensors",
        bytes_of(nn::encode_safetensors({{"f32", from_vector(std::vector<float>{1.5f, -2.0f, 0.25f}, {3})},
                                         {"f64", from_vector(std::vector<double>{3.0, 4.0}, {1, 2})},
                                         {"i64", from_vector(std::vector<int64_t>{7}, Shape{})}},
                                        {{"format", "pt"}, {"model", "dcgan"}})));
  write(out / "fuzz_safetensors" / "empty-tensor.safetensors", bytes_of(nn::encode_safetensors({{"e", zeros({0, 3})}})));
  write(out / "fuzz_safetensors" / "no-tensors.safetensors", bytes_of(nn::encode_safetensors({})));
  write(out / "fuzz_safetensors" / "no-digests.safetensors", safetensors_without_digests());
  const fs::path runs = fs::temp_directory_path() / ("make_seeds-" + std::to_string(::getpid()));
  const fs::path dcgan = small_run(runs / "dcgan", gan::Arch::Dcgan, 937), cgan = small_run(runs / "cgan", gan::Arch::Cgan, 5);
  write(out / "fuzz_checkpoint_state" / "dcgan-state.json", read(dcgan / "state.json"));
  write(out / "fuzz_checkpoint_state" / "cgan-state.json", read(cgan / "state.json"));
  write(out / "fuzz_latest_checkpoint" / "latest_checkpoint", read(runs / "dcgan" / "latest_checkpoint"));
  write(out / "fuzz_latest_checkpoint" / "step-3", bytes_of("checkpoints/step-00000003\n"));
  write(out / "fuzz_latest_checkpoint" / "no-newline", bytes_of("checkpoints/step-00000003"));
  write(out / "fuzz_latest_checkpoint" / "nine-digits", bytes_of("checkpoints/step-123456789\n"));
  fs::remove_all(runs);
  return 0;
}
