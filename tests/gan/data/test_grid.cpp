#include <gtest/gtest.h>

#include "gan/data/grid.h"
#include "tests/gan/data/files.h"

namespace ganforge::data {
namespace {
using namespace ganforge::data::testing;

// Five 3x4x4 images, image i filled with value v[i] in channel 0 and -v[i] in channel 2.
Tensor five_flat_images(const std::vector<float>& v) {
  std::vector<float> values;
  for (float x : v)
    for (int c = 0; c < 3; ++c)
      for (int p = 0; p < 16; ++p) values.push_back(c == 0 ? x : (c == 1 ? 0.0f : -x));
  return from_vector(values, {static_cast<int64_t>(v.size()), 3, 4, 4});
}

TEST(Grid, WrittenPngReadsBackWithTheExpectedLayout) {
  ScratchDir dir;
  std::vector<float> v = {-1.0f, 1.0f, 0.0f, 0.5f, 3.0f};
  save_grid(dir / "grid.png", five_flat_images(v), GridOptions{.per_row = 2, .padding = 1});
  Image grid = read_image(dir / "grid.png");
  ASSERT_EQ(grid.width, 2 * (4 + 1) + 1);
  ASSERT_EQ(grid.height, 3 * (4 + 1) + 1);
  const uint8_t expected_red[] = {0, 255, 128, 191, 255};  // 3.0 is clamped to 1
  const uint8_t expected_blue[] = {255, 0, 128, 64, 0};
  for (int i = 0; i < 5; ++i) {
    const int x0 = 1 + (i % 2) * 5, y0 = 1 + (i / 2) * 5;
    for (int y = y0; y < y0 + 4; ++y)
      for (int x = x0; x < x0 + 4; ++x) {
        EXPECT_EQ(grid.at(y, x, 0), expected_red[i]) << "image " << i;
        EXPECT_EQ(grid.at(y, x, 1), 128);
        EXPECT_EQ(grid.at(y, x, 2), expected_blue[i]);
      }
  }
  for (int y = 0; y < grid.height; ++y) {
    EXPECT_EQ(grid.at(y, 0, 0), 0);  // the padding
    EXPECT_EQ(grid.at(y, 5, 1), 0);
  }
  for (int y = 11; y < 15; ++y)  // the sixth slot, after the last image, stays padding
    for (int x = 6; x < 10; ++x) EXPECT_EQ(grid.at(y, x, 0), 0);
}

TEST(Grid, GrayscaleValueRangeAndPadValue) {
  Tensor batch = from_vector(std::vector<float>{0.0f, 0.25f, 1.0f, 2.0f}, {4, 1, 1, 1});
  Image grid = make_grid(batch, GridOptions{.per_row = 8, .padding = 2, .low = 0, .high = 2, .pad_value = 9});
  ASSERT_EQ(grid.width, 4 * 3 + 2);
  ASSERT_EQ(grid.height, 1 * 3 + 2);
  const uint8_t expected[] = {0, 32, 128, 255};
  for (int i = 0; i < 4; ++i)
    for (int c = 0; c < 3; ++c) EXPECT_EQ(grid.at(2, 2 + 3 * i, c), expected[i]);
  EXPECT_EQ(grid.at(0, 0, 1), 9);
}

TEST(Grid, RejectsWhatIsNotABatchOfImages) {
  EXPECT_THROW(make_grid(zeros({3, 4, 4})), std::invalid_argument);
  EXPECT_THROW(make_grid(zeros({2, 2, 4, 4})), std::invalid_argument);
  EXPECT_THROW(make_grid(zeros({2, 3, 4, 4}), GridOptions{.per_row = 0}), std::invalid_argument);
}

}  // namespace
}  // namespace ganforge::data
