#include <gtest/gtest.h>

#include "gan/data/error.h"
#include "gan/data/idx.h"
#include "tests/gan/data/files.h"

namespace ganforge::data {
namespace {
using namespace ganforge::data::testing;

std::vector<uint8_t> idx_bytes(const std::vector<uint32_t>& dims, const std::vector<uint8_t>& data,
                               uint8_t type = 0x08) {
  std::vector<uint8_t> out = {0, 0, type, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims)
    for (int shift : {24, 16, 8, 0}) out.push_back(static_cast<uint8_t>(d >> shift));
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

// Three 2x3 images whose pixels are 10*image + pixel, with labels 7, 0, 9.
void write_mnist(const std::filesystem::path& dir, const std::string& prefix, bool gz) {
  std::vector<uint8_t> pixels;
  for (int i = 0; i < 3; ++i)
    for (int p = 0; p < 6; ++p) pixels.push_back(static_cast<uint8_t>(10 * i + p));
  const std::string suffix = gz ? ".gz" : "";
  auto write = gz ? write_gzip : write_bytes;
  write(dir / (prefix + "-images-idx3-ubyte" + suffix), idx_bytes({3, 2, 3}, pixels));
  write(dir / (prefix + "-labels-idx1-ubyte" + suffix), idx_bytes({3}, {7, 0, 9}));
}

TEST(Idx, ReadsPlainAndGzipFiles) {
  ScratchDir dir;
  std::vector<uint8_t> data = {1, 2, 3, 4, 5, 6};
  write_bytes(dir / "plain", idx_bytes({2, 3}, data));
  write_gzip(dir / "packed.gz", idx_bytes({2, 3}, data));
  for (const char* name : {"plain", "packed.gz"}) {
    IdxArray a = read_idx(dir / name);
    EXPECT_EQ(a.dims, (std::vector<int64_t>{2, 3})) << name;
    EXPECT_EQ(a.data, data) << name;
  }
}

TEST(Idx, RejectsBadHeadersAndSizes) {
  ScratchDir dir;
  std::vector<uint8_t> good = idx_bytes({2, 3}, {1, 2, 3, 4, 5, 6});
  std::vector<uint8_t> magic = good;
  magic[0] = 8;
  write_bytes(dir / "magic", magic);
  write_bytes(dir / "float", idx_bytes({2}, {0, 0, 0, 0, 0, 0, 0, 0}, 0x0D));
  write_bytes(dir / "short", std::vector<uint8_t>(good.begin(), good.end() - 1));
  write_bytes(dir / "long", [&] { auto b = good; b.push_back(0); return b; }());
  write_bytes(dir / "header", {0, 0, 8, 3, 0, 0});
  write_bytes(dir / "tiny", {0, 0});
  write_bytes(dir / "zero_dims", {0, 0, 8, 0});
  write_bytes(dir / "huge", idx_bytes({0xFFFFFFFF, 0xFFFFFFFF}, {}));
  expect_data_error([&] { read_idx(dir / "magic"); }, dir / "magic", "wrong magic number");
  expect_data_error([&] { read_idx(dir / "float"); }, dir / "float", "element type 13 is not supported");
  expect_data_error([&] { read_idx(dir / "short"); }, dir / "short", "truncated: dimensions 2x3 need 6 data bytes, found 5");
  expect_data_error([&] { read_idx(dir / "long"); }, dir / "long", "longer than its header says");
  expect_data_error([&] { read_idx(dir / "header"); }, dir / "header", "header ends before dimension 1 of 3");
  expect_data_error([&] { read_idx(dir / "tiny"); }, dir / "tiny", "shorter than the 4-byte IDX magic");
  expect_data_error([&] { read_idx(dir / "zero_dims"); }, dir / "zero_dims", "0 dimensions");
  expect_data_error([&] { read_idx(dir / "huge"); }, dir / "huge", "implausibly large");
  expect_data_error([&] { read_idx(dir / "absent"); }, dir / "absent", "not found");
}

TEST(Idx, RejectsTruncatedAndCorruptGzip) {
  ScratchDir dir;
  std::vector<uint8_t> data(5000);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 31 % 251);
  write_gzip(dir / "whole.gz", idx_bytes({50, 100}, data));
  std::vector<uint8_t> packed = read_file(dir / "whole.gz");
  write_bytes(dir / "cut.gz", std::vector<uint8_t>(packed.begin(), packed.begin() + packed.size() / 2));
  std::vector<uint8_t> flipped = packed;
  flipped[packed.size() / 2] ^= 0xFF;
  write_bytes(dir / "flipped.gz", flipped);
  expect_data_error([&] { read_idx(dir / "cut.gz"); }, dir / "cut.gz", "truncated");
  expect_data_error([&] { read_idx(dir / "flipped.gz"); }, dir / "flipped.gz", "gzip");
}

TEST(Mnist, LoadsTheOfficialFileNamesPlainOrGzip) {
  for (bool gz : {false, true}) {
    ScratchDir dir;
    write_mnist(dir.path(), "train", gz);
    write_mnist(dir.path(), "t10k", gz);
    for (Split split : {Split::Train, Split::Test}) {
      MnistDataset mnist(dir.path(), split);
      ASSERT_EQ(mnist.size(), 3);
      EXPECT_EQ(mnist.labels(), (std::vector<uint8_t>{7, 0, 9}));
      SampleRng rng(0, 0);
      Example e = mnist.get(2, rng);
      EXPECT_EQ(e.label, 9);
      ASSERT_EQ(e.images.size(), 1u);
      EXPECT_EQ(e.images[0].width, 3);
      EXPECT_EQ(e.images[0].height, 2);
      EXPECT_EQ(e.images[0].channels, 1);
      EXPECT_EQ(e.images[0].pixels, (std::vector<uint8_t>{20, 21, 22, 23, 24, 25}));
      EXPECT_THROW(mnist.get(3, rng), std::out_of_range);
    }
  }
}

TEST(Mnist, ResizesWhenAsked) {
  ScratchDir dir;
  write_mnist(dir.path(), "train", false);
  MnistDataset mnist(dir.path(), Split::Train, AugmentOptions{.load_size = 8});
  SampleRng rng(0, 0);
  Image image = mnist.get(0, rng).images[0];
  EXPECT_EQ(image.width, 8);
  EXPECT_EQ(image.height, 8);
}

TEST(Mnist, CountsThatDisagreeAndBadLabelsAreErrors) {
  ScratchDir dir;
  write_mnist(dir.path(), "train", false);
  const auto labels = dir / "train-labels-idx1-ubyte";
  write_bytes(labels, idx_bytes({2}, {1, 2}));
  expect_data_error([&] { MnistDataset(dir.path(), Split::Train); }, labels, "holds 2 labels but");
  write_bytes(labels, idx_bytes({3}, {1, 10, 2}));
  expect_data_error([&] { MnistDataset(dir.path(), Split::Train); }, labels, "label 10 at index 1; expected 0-9");
  write_bytes(labels, idx_bytes({3, 1}, {1, 1, 2}));
  expect_data_error([&] { MnistDataset(dir.path(), Split::Train); }, labels, "expected 1 (count)");
  expect_data_error([&] { MnistDataset(dir.path(), Split::Test); }, dir / "t10k-images-idx3-ubyte",
                    "not found (nor t10k-images-idx3-ubyte.gz)");
}

}  // namespace
}  // namespace ganforge::data
