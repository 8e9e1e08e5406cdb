#include <gtest/gtest.h>
#include <stb_image_write.h>

#include <set>

#include "gan/data/error.h"
#include "gan/data/folders.h"
#include "tests/gan/data/files.h"

namespace ganforge::data {
namespace {
using namespace ganforge::data::testing;
namespace fs = std::filesystem;

Image flat(int width, int height, uint8_t r, uint8_t g, uint8_t b) {
  Image image(width, height, 3);
  for (size_t i = 0; i < image.pixels.size(); i += 3) image.pixels[i] = r, image.pixels[i + 1] = g, image.pixels[i + 2] = b;
  return image;
}

TEST(ImageFolder, ClassesAreSortedFoldersAndImagesDecodeToRgb) {
  ScratchDir dir;
  for (const char* c : {"zebra", "cat", "dog"}) fs::create_directories(dir / c);
  write_png(dir / "cat/1.png", flat(4, 4, 10, 20, 30));
  write_png(dir / "cat/0.png", flat(4, 4, 40, 50, 60));
  write_png(dir / "dog/a.PNG", pattern_image(4, 4, 1));  // grayscale, upper-case extension
  std::vector<uint8_t> rgba(4 * 4 * 4, 255);
  ASSERT_TRUE(stbi_write_png((dir / "zebra/x.png").c_str(), 4, 4, 4, rgba.data(), 16));
  write_bytes(dir / "zebra/.DS_Store", {1, 2, 3});  // hidden files are skipped
  ImageFolderDataset data(dir.path());
  EXPECT_EQ(data.classes(), (std::vector<std::string>{"cat", "dog", "zebra"}));
  ASSERT_EQ(data.size(), 4);
  EXPECT_EQ(data.file(0).filename(), "0.png");
  EXPECT_EQ(data.label(0), 0);
  EXPECT_EQ(data.label(2), 1);
  EXPECT_EQ(data.label(3), 2);
  SampleRng rng(0, 0);
  Example e = data.get(0, rng);
  EXPECT_EQ(e.label, 0);
  EXPECT_EQ(e.images[0].pixels, flat(4, 4, 40, 50, 60).pixels);
  Image gray = data.get(2, rng).images[0];
  ASSERT_EQ(gray.channels, 3);
  EXPECT_EQ(gray.at(1, 2, 1), pattern_image(4, 4, 1).at(1, 2, 0));
  EXPECT_EQ(data.get(3, rng).images[0].channels, 3);
}

TEST(ImageFolder, BadFoldersNameWhatIsWrong) {
  ScratchDir dir;
  fs::create_directories(dir / "root/a");
  fs::create_directories(dir / "root/b");
  write_png(dir / "root/a/1.png", flat(2, 2, 1, 2, 3));
  expect_data_error([&] { ImageFolderDataset(dir / "root"); }, dir / "root/b", "holds no images");
  write_bytes(dir / "root/b/notes.txt", {'h', 'i'});
  expect_data_error([&] { ImageFolderDataset(dir / "root"); }, dir / "root/b/notes.txt", "not an image file");
  fs::remove(dir / "root/b/notes.txt");
  write_bytes(dir / "root/b/broken.jpg", {0xFF, 0xD8, 0xFF, 0x00});
  ImageFolderDataset data(dir / "root");  // decoding happens in get()
  SampleRng rng(0, 0);
  expect_data_error([&] { data.get(1, rng); }, dir / "root/b/broken.jpg", "cannot decode");
  write_bytes(dir / "root/stray.png", {});
  expect_data_error([&] { ImageFolderDataset(dir / "root"); }, dir / "root/stray.png", "expected only class folders");
  expect_data_error([&] { ImageFolderDataset(dir / "absent"); }, dir / "absent", "not found or not a folder");
  fs::create_directories(dir / "empty");
  expect_data_error([&] { ImageFolderDataset(dir / "empty"); }, dir / "empty", "holds no class folders");
}

TEST(ImageFolder, APathThroughAFileIsAnError) {
  ScratchDir dir;
  write_png(dir / "1.png", flat(2, 2, 0, 0, 0));
  expect_data_error([&] { list_images(dir / "1.png"); }, dir / "1.png", "not found or not a folder");
  expect_data_error([&] { list_images(dir / "1.png" / "sub"); }, dir / "1.png" / "sub", "not found or not a folder");
}

TEST(Paired, SideBySideHalvesFollowTheDirection) {
  ScratchDir dir;
  Image both = flat(8, 4, 255, 0, 0);
  for (int y = 0; y < 4; ++y)
    for (int x = 4; x < 8; ++x) both.at(y, x, 0) = 0, both.at(y, x, 2) = 255;
  write_png(dir / "1.png", both);
  SampleRng rng(0, 0);
  Example ab = PairedDataset(dir.path(), Direction::AtoB).get(0, rng);
  ASSERT_EQ(ab.images.size(), 2u);
  EXPECT_EQ(ab.images[0].pixels, flat(4, 4, 255, 0, 0).pixels);
  EXPECT_EQ(ab.images[1].pixels, flat(4, 4, 0, 0, 255).pixels);
  Example ba = PairedDataset(dir.path(), Direction::BtoA).get(0, rng);
  EXPECT_EQ(ba.images[0].pixels, flat(4, 4, 0, 0, 255).pixels);
  write_png(dir / "2.png", flat(7, 4, 1, 1, 1));
  expect_data_error([&] { PairedDataset(dir.path(), Direction::AtoB).get(1, rng); }, dir / "2.png", "width 7 is odd");
}

TEST(Paired, BothImagesGetTheSameCropAndFlip) {
  ScratchDir dir;
  Image a = pattern_image(10, 10, 3, 0);
  Image b = a;
  for (uint8_t& p : b.pixels) p = static_cast<uint8_t>(255 - p);
  fs::create_directories(dir / "A");
  fs::create_directories(dir / "B");
  write_png(dir / "A/x.png", a);
  write_png(dir / "B/x.png", b);
  PairedDataset data(dir / "A", dir / "B", Direction::AtoB, AugmentOptions{.crop_size = 6, .flip = true});
  for (uint64_t s = 0; s < 16; ++s) {
    SampleRng rng(3, s);
    Example e = data.get(0, rng);
    for (size_t i = 0; i < e.images[0].pixels.size(); ++i) ASSERT_EQ(e.images[0].pixels[i], 255 - e.images[1].pixels[i]);
  }
}

TEST(Paired, FoldersMustHoldTheSameNames) {
  ScratchDir dir;
  fs::create_directories(dir / "A");
  fs::create_directories(dir / "B");
  write_png(dir / "A/1.png", flat(2, 2, 0, 0, 0));
  write_png(dir / "B/1.png", flat(2, 2, 0, 0, 0));
  write_png(dir / "B/2.png", flat(2, 2, 0, 0, 0));
  expect_data_error([&] { PairedDataset(dir / "A", dir / "B", Direction::AtoB); }, dir / "B/2.png", "has no partner");
  write_png(dir / "A/3.png", flat(2, 2, 0, 0, 0));
  expect_data_error([&] { PairedDataset(dir / "A", dir / "B", Direction::AtoB); }, dir / "A/3.png", "has no partner");
}

TEST(Unpaired, ExampleHoldsACyclingAAndARandomB) {
  ScratchDir dir;
  for (const char* f : {"trainA", "trainB"}) fs::create_directories(dir / f);
  for (int i = 0; i < 3; ++i) write_png(dir / ("trainA/" + std::to_string(i) + ".png"), flat(2, 2, static_cast<uint8_t>(i), 0, 0));
  for (int i = 0; i < 5; ++i) write_png(dir / ("trainB/" + std::to_string(i) + ".png"), pattern_image(2, 2, 1, 100 + i));
  UnpairedDataset data(dir.path(), Split::Train);
  EXPECT_EQ(data.size_a(), 3);
  EXPECT_EQ(data.size_b(), 5);
  ASSERT_EQ(data.size(), 5);
  std::set<int> b_seen;
  for (int64_t i = 0; i < 40; ++i) {
    SampleRng rng(9, static_cast<uint64_t>(i));
    Example e = data.get(i % 5, rng);
    EXPECT_EQ(e.images[0].at(0, 0, 0), (i % 5) % 3);
    EXPECT_EQ(e.images[1].channels, 3);
    b_seen.insert(e.images[1].at(0, 0, 0));
  }
  EXPECT_EQ(b_seen.size(), 5u);
  expect_data_error([&] { UnpairedDataset(dir.path(), Split::Test); }, dir / "testA", "not found or not a folder");
}

}  // namespace
}  // namespace ganforge::data
