#include <gtest/gtest.h>

#include <set>

#include "gan/data/transforms.h"
#include "tests/gan/data/files.h"

namespace ganforge::data {
namespace {
using namespace ganforge::data::testing;

Image invert(Image image) {
  for (uint8_t& p : image.pixels) p = static_cast<uint8_t>(255 - p);
  return image;
}

TEST(Transforms, ResizeKeepsAConstantImageConstant) {
  for (Filter filter : {Filter::Bilinear, Filter::Bicubic}) {
    Image flat(7, 5, 3);
    std::fill(flat.pixels.begin(), flat.pixels.end(), 77);
    for (auto [w, h] : {std::pair{14, 10}, std::pair{3, 2}, std::pair{9, 4}}) {
      Image out = resize(flat, w, h, filter);
      ASSERT_EQ(out.width, w);
      ASSERT_EQ(out.height, h);
      for (uint8_t p : out.pixels) EXPECT_EQ(p, 77);
    }
  }
}

TEST(Transforms, BilinearUpscaleIsAMonotoneRamp) {
  Image step(2, 1, 1);
  step.pixels = {0, 200};
  Image out = resize(step, 8, 1, Filter::Bilinear);
  for (int x = 1; x < 8; ++x) EXPECT_LE(out.at(0, x - 1, 0), out.at(0, x, 0));
  EXPECT_EQ(out.at(0, 0, 0), 0);  // edges clamp: the outer quarter keeps the end values
  EXPECT_EQ(out.at(0, 7, 0), 200);
  EXPECT_GT(out.at(0, 3, 0), 0);
  EXPECT_LT(out.at(0, 4, 0), 200);
}

TEST(Transforms, DownscaleAveragesACheckerboard) {
  Image board(8, 8, 1);
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 8; ++x) board.at(y, x, 0) = (x + y) % 2 ? 255 : 0;
  for (Filter filter : {Filter::Bilinear, Filter::Bicubic})
    for (uint8_t p : resize(board, 2, 2, filter).pixels) EXPECT_NEAR(p, 127.5, 12);
}

TEST(Transforms, ResizeToTheSameSizeIsACopy) {
  Image image = pattern_image(5, 4, 3);
  EXPECT_EQ(resize(image, 5, 4, Filter::Bicubic).pixels, image.pixels);
  EXPECT_THROW(resize(image, 0, 4), std::invalid_argument);
}

TEST(Transforms, CropFlipAndHalves) {
  Image image = pattern_image(6, 4, 3);
  Image c = crop(image, 2, 1, 3, 2);
  ASSERT_EQ(c.width, 3);
  ASSERT_EQ(c.height, 2);
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 3; ++x)
      for (int ch = 0; ch < 3; ++ch) EXPECT_EQ(c.at(y, x, ch), image.at(y + 1, x + 2, ch));
  EXPECT_THROW(crop(image, 4, 0, 3, 2), std::invalid_argument);
  Image f = hflip(image);
  EXPECT_EQ(f.at(1, 0, 2), image.at(1, 5, 2));
  EXPECT_EQ(hflip(f).pixels, image.pixels);
  EXPECT_EQ(left_half(image).pixels, crop(image, 0, 0, 3, 4).pixels);
  EXPECT_EQ(right_half(image).pixels, crop(image, 3, 0, 3, 4).pixels);
  EXPECT_THROW(left_half(pattern_image(5, 2, 3)), std::invalid_argument);
}

TEST(Transforms, APairGetsTheSameCropAndFlip) {
  AugmentOptions options{.load_size = 0, .crop_size = 5, .flip = true};
  Image a = pattern_image(9, 9, 3, 1);
  Image b = invert(a);
  std::set<std::pair<int, bool>> seen;
  for (uint64_t stream = 0; stream < 64; ++stream) {
    SampleRng rng(42, stream);
    Augment aug = Augment::sample(options, rng);
    Image out_a = aug.apply(a), out_b = aug.apply(b);
    ASSERT_EQ(out_a.width, 5);
    EXPECT_EQ(invert(out_a).pixels, out_b.pixels);
    seen.insert({out_a.at(0, 0, 0), aug.flipped});
  }
  EXPECT_GT(seen.size(), 10u);  // crops and flips really vary
}

TEST(Transforms, AugmentIsAFunctionOfSeedAndStream) {
  AugmentOptions options{.load_size = 12, .crop_size = 8, .flip = true};
  Image image = pattern_image(10, 10, 3);
  SampleRng r1(7, 3), r2(7, 3);
  Image x1 = Augment::sample(options, r1).apply(image);
  EXPECT_EQ(x1.pixels, Augment::sample(options, r2).apply(image).pixels);
  int differing = 0;
  for (uint64_t s = 0; s < 8; ++s) {
    SampleRng r(8, s);
    differing += Augment::sample(options, r).apply(image).pixels != x1.pixels;
  }
  EXPECT_GT(differing, 0);
}

// CIFAR's augmentation: a 4-pixel black border, then a random 32x32 crop: the crop shifts the
// image by -4..4 pixels and fills what it uncovers with black.
TEST(Transforms, PadThenCropShiftsTheImageInsideABlackBorder) {
  Image image(2, 1, 1);
  image.pixels = {10, 20};
  const Image padded = pad(image, 1);
  EXPECT_EQ(padded.width, 4);
  EXPECT_EQ(padded.height, 3);
  EXPECT_EQ(padded.pixels, (std::vector<uint8_t>{0, 0, 0, 0, 0, 10, 20, 0, 0, 0, 0, 0}));
  EXPECT_THROW(pad(image, -1), std::invalid_argument);

  Augment a;
  a.options = {.pad = 1, .crop_size = 2};
  a.crop_x = 0;  // the leftmost of the 3 x offsets and 2 y offsets
  a.crop_y = 0.99;
  Image square(2, 2, 1);
  square.pixels = {1, 2, 3, 4};
  EXPECT_EQ(a.apply(square).pixels, (std::vector<uint8_t>{0, 3, 0, 0}));
}

TEST(Transforms, CentreCropWhenNotRandom) {
  AugmentOptions options{.load_size = 0, .crop_size = 4, .flip = false, .random_crop = false};
  Image image = pattern_image(8, 6, 3);
  SampleRng rng(1, 1);
  EXPECT_EQ(Augment::sample(options, rng).apply(image).pixels, crop(image, 2, 1, 4, 4).pixels);
  options.crop_size = 9;
  EXPECT_THROW(Augment::sample(options, rng).apply(image), std::invalid_argument);
}

}  // namespace
}  // namespace ganforge::data
