#include <gtest/gtest.h>

#include "gan/data/cifar.h"
#include "gan/data/error.h"
#include "tests/gan/data/files.h"

namespace ganforge::data {
namespace {
using namespace ganforge::data::testing;

// A record whose R, G, B planes hold (label + p) % 256, 100 and 200 - p % 100.
std::vector<uint8_t> record(uint8_t label) {
  std::vector<uint8_t> r = {label};
  for (int c = 0; c < 3; ++c)
    for (int p = 0; p < 1024; ++p)
      r.push_back(static_cast<uint8_t>(c == 0 ? (label + p) % 256 : (c == 1 ? 100 : 200 - p % 100)));
  return r;
}

std::vector<uint8_t> records(const std::vector<uint8_t>& labels) {
  std::vector<uint8_t> out;
  for (uint8_t l : labels) {
    std::vector<uint8_t> r = record(l);
    out.insert(out.end(), r.begin(), r.end());
  }
  return out;
}

TEST(Cifar, ReadsRecordsAsRgbImages) {
  ScratchDir dir;
  write_bytes(dir / "a.bin", records({3, 9}));
  write_bytes(dir / "b.bin", records({0}));
  CifarBinaryDataset cifar({dir / "a.bin", dir / "b.bin"});
  ASSERT_EQ(cifar.size(), 3);
  EXPECT_EQ(cifar.labels(), (std::vector<uint8_t>{3, 9, 0}));
  SampleRng rng(0, 0);
  Example e = cifar.get(1, rng);
  EXPECT_EQ(e.label, 9);
  const Image& image = e.images[0];
  ASSERT_EQ(image.width, 32);
  ASSERT_EQ(image.height, 32);
  ASSERT_EQ(image.channels, 3);
  for (int p : {0, 1, 33, 1023}) {
    EXPECT_EQ(image.at(p / 32, p % 32, 0), (9 + p) % 256);
    EXPECT_EQ(image.at(p / 32, p % 32, 1), 100);
    EXPECT_EQ(image.at(p / 32, p % 32, 2), 200 - p % 100);
  }
}

TEST(Cifar, OfficialFolderLayout) {
  ScratchDir dir;
  for (int i = 1; i <= 5; ++i) write_bytes(dir / ("data_batch_" + std::to_string(i) + ".bin"), records({1, 2}));
  write_bytes(dir / "test_batch.bin", records({4}));
  EXPECT_EQ(CifarBinaryDataset(dir.path(), Split::Train).size(), 10);
  EXPECT_EQ(CifarBinaryDataset(dir.path(), Split::Test).size(), 1);
  std::filesystem::remove(dir / "data_batch_4.bin");
  expect_data_error([&] { CifarBinaryDataset(dir.path(), Split::Train); }, dir / "data_batch_4.bin", "cannot open");
}

TEST(Cifar, TruncatedFilesAndBadLabelsAreErrors) {
  ScratchDir dir;
  std::vector<uint8_t> bytes = records({1, 2});
  bytes.pop_back();
  write_bytes(dir / "short.bin", bytes);
  write_bytes(dir / "empty.bin", {});
  write_bytes(dir / "label.bin", records({1, 12}));
  expect_data_error([&] { CifarBinaryDataset({dir / "short.bin"}); }, dir / "short.bin",
                    "size 6145 bytes is not a positive multiple of the 3073-byte CIFAR-10 record");
  expect_data_error([&] { CifarBinaryDataset({dir / "empty.bin"}); }, dir / "empty.bin", "size 0 bytes");
  expect_data_error([&] { CifarBinaryDataset({dir / "label.bin"}); }, dir / "label.bin", "record 1 has label 12");
}

}  // namespace
}  // namespace ganforge::data
