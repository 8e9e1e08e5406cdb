// The real data sets: MNIST as tools/setup.sh caches it, Fashion-MNIST from Debian's
// dataset-fashion-mnist, and CIFAR-10, facades and horse2zebra found as ganforge finds them
// (gan/data/locations.h: the data cache that tools/fetch-data.sh fills, else the local
// mirror). Paths can be overridden by the environment variables locations.h lists; a missing
// data set fails with the places it looked at and the command that fetches it.
#include <gtest/gtest.h>
#include <stb_image.h>

#include <algorithm>
#include <array>

#include "gan/data/cifar.h"
#include "gan/data/folders.h"
#include "gan/data/idx.h"
#include "gan/data/loader.h"
#include "tests/gan/data/files.h"

namespace ganforge::data {
namespace {
using namespace ganforge::data::testing;
namespace fs = std::filesystem;

#define REQUIRE_DATA(path)                                                                                  \
  ASSERT_TRUE(fs::is_directory(path)) << (path) << " is missing: run tools/setup.sh (it caches MNIST) or set " \
                                      << "the environment variable named in gan/data/locations.h"

// The folder ganforge would read NAME from; fails the test, naming the places and the fetch
// command, when there is none.
#define REQUIRE_DATA_SET(root, name)                                                  \
  const DataSetLocation root##_where = find_data_set(name);                           \
  ASSERT_TRUE(root##_where.found()) << missing_data_set_message(name, root##_where); \
  const fs::path root = root##_where.path

std::array<int64_t, 10> histogram(const std::vector<uint8_t>& labels) {
  std::array<int64_t, 10> h{};
  for (uint8_t l : labels) h.at(l)++;
  return h;
}

TEST(RealData, MnistCountsAndTrainingLabelHistogram) {
  REQUIRE_DATA(mnist_dir());
  MnistDataset train(mnist_dir(), Split::Train), test(mnist_dir(), Split::Test);
  EXPECT_EQ(train.size(), 60000);
  EXPECT_EQ(test.size(), 10000);
  EXPECT_EQ(histogram(train.labels()),
            (std::array<int64_t, 10>{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}));
  SampleRng rng(0, 0);
  Image first = train.get(0, rng).images[0];
  EXPECT_EQ(first.width, 28);
  EXPECT_EQ(first.height, 28);
  EXPECT_EQ(train.get(0, rng).label, 5);  // the famous first training digit
}

TEST(RealData, FashionMnistFromGzip) {
  REQUIRE_DATA(fashion_mnist_dir());
  MnistDataset train(fashion_mnist_dir(), Split::Train), test(fashion_mnist_dir(), Split::Test);
  EXPECT_EQ(train.size(), 60000);
  EXPECT_EQ(test.size(), 10000);
  for (int64_t count : histogram(train.labels())) EXPECT_EQ(count, 6000);
  for (int64_t count : histogram(test.labels())) EXPECT_EQ(count, 1000);
}

// CIFAR-10 in whichever layout tools/fetch-data.sh installed: the official binary batches
// (downloaded), or class folders (unpacked from the local mirror).
TEST(RealData, Cifar10CountsPerClass) {
  REQUIRE_DATA_SET(root, "cifar10");
  if (root.filename() == "cifar-10-batches-bin") {
    for (auto [split, per_class] : {std::pair{Split::Train, 5000}, std::pair{Split::Test, 1000}}) {
      CifarBinaryDataset data(root, split);
      EXPECT_EQ(histogram(data.labels()), (std::array<int64_t, 10>{per_class, per_class, per_class, per_class, per_class,
                                                                   per_class, per_class, per_class, per_class,
                                                                   per_class}));
      SampleRng rng(0, 0);
      const Image first = data.get(0, rng).images[0];
      EXPECT_EQ(first.width, 32);
      EXPECT_EQ(first.channels, 3);
    }
    return;
  }
  for (auto [split, per_class] : {std::pair{"train", 5000}, std::pair{"test", 1000}}) {
    ImageFolderDataset data(root / split);
    EXPECT_EQ(data.classes(), (std::vector<std::string>{"airplane", "automobile", "bird", "cat", "deer", "dog", "frog",
                                                        "horse", "ship", "truck"}));
    EXPECT_EQ(data.size(), 10 * per_class);
    std::vector<int64_t> counts(10);
    for (int64_t i = 0; i < data.size(); ++i) counts[data.label(i)]++;
    EXPECT_EQ(counts, std::vector<int64_t>(10, per_class)) << split;
  }
  // Every image decodes to 32x32 RGB, through the loader (about 2 s for all 60,000 here).
  for (auto [split, count] : {std::pair{"train", 50000}, std::pair{"test", 10000}}) {
    DataLoader loader(std::make_shared<ImageFolderDataset>(root / split),
                      LoaderOptions{.batch_size = 500, .seed = 1, .workers = 2});
    int64_t seen = 0;
    auto pass = loader.epoch(0);
    while (auto batch = pass.next()) {
      ASSERT_EQ(batch->images[0].shape(), (Shape{500, 3, 32, 32}));
      seen += batch->images[0].size(0);
    }
    EXPECT_EQ(seen, count) << split;
  }
}

// Mean saturation (max - min of R, G, B): a facade photo is muted (at most 78 over the whole
// set), its label map saturated primaries (at least 184).
double saturation(const Image& image) {
  double sum = 0;
  for (size_t p = 0; p < image.pixels.size(); p += 3) {
    auto [low, high] = std::minmax({image.pixels[p], image.pixels[p + 1], image.pixels[p + 2]});
    sum += high - low;
  }
  return sum / static_cast<double>(image.pixels.size() / 3);
}

TEST(RealData, FacadesPairsWithThePhotoOnTheLeft) {
  REQUIRE_DATA_SET(root, "facades");
  for (auto [split, count] : {std::pair{"train", 400}, std::pair{"val", 100}, std::pair{"test", 106}}) {
    PairedDataset pairs(root / split, Direction::AtoB);
    ASSERT_EQ(pairs.size(), count) << split;
    for (int64_t i = 0; i < pairs.size(); ++i) {
      SampleRng rng(0, 0);
      Example e = pairs.get(i, rng);
      ASSERT_EQ(e.images[0].width, 256);
      ASSERT_EQ(e.images[0].height, 256);
      EXPECT_LT(saturation(e.images[0]), 120) << split << " pair " << i << ": the photo should be the left half (A)";
      EXPECT_GT(saturation(e.images[1]), 150) << split << " pair " << i << ": the label map should be the right half (B)";
    }
  }
  // Label -> photo training (BtoA) with pix2pix's resize-and-crop, through the loader.
  auto train = std::make_shared<PairedDataset>(root / "train", Direction::BtoA,
                                               AugmentOptions{.load_size = 286, .crop_size = 256, .flip = true});
  DataLoader loader(train, LoaderOptions{.batch_size = 4, .seed = 3, .workers = 2});
  auto batch = loader.epoch(0).next();
  ASSERT_TRUE(batch.has_value());
  ASSERT_EQ(batch->images.size(), 2u);
  EXPECT_EQ(batch->images[0].shape(), (Shape{4, 3, 256, 256}));
  EXPECT_EQ(batch->images[1].shape(), (Shape{4, 3, 256, 256}));
}

TEST(RealData, Horse2ZebraCountsAndGrayscaleZebrasLoadAsRgb) {
  REQUIRE_DATA_SET(root, "horse2zebra");
  UnpairedDataset train(root, Split::Train), test(root, Split::Test);
  EXPECT_EQ(train.size_a(), 1067);
  EXPECT_EQ(train.size_b(), 1334);
  EXPECT_EQ(test.size_a(), 120);
  EXPECT_EQ(test.size_b(), 140);
  int grayscale = 0;
  for (int64_t i = 0; i < train.size_b(); ++i) {
    std::vector<uint8_t> bytes = read_file(train.file_b(i));
    int w, h, channels;
    ASSERT_TRUE(stbi_info_from_memory(bytes.data(), static_cast<int>(bytes.size()), &w, &h, &channels));
    if (channels != 1) continue;
    ++grayscale;
    Image image = decode_image(bytes, train.file_b(i));
    ASSERT_EQ(image.channels, 3);
    EXPECT_EQ(image.width, 256);
    for (size_t p = 0; p < image.pixels.size(); p += 3) {
      ASSERT_EQ(image.pixels[p], image.pixels[p + 1]);
      ASSERT_EQ(image.pixels[p], image.pixels[p + 2]);
    }
  }
  EXPECT_EQ(grayscale, 7);
}

}  // namespace
}  // namespace ganforge::data
