#include <gtest/gtest.h>
#include <stb_image_write.h>

#include <functional>

#include "gan/data/error.h"
#include "gan/data/image.h"
#include "tests/gan/data/files.h"

namespace ganforge::data {
namespace {
using namespace ganforge::data::testing;

TEST(Image, PngRoundTripIsExact) {
  Image image = pattern_image(5, 3, 3, 11);
  Image back = decode_image(encode_png(image), "memory.png");
  EXPECT_EQ(back.width, 5);
  EXPECT_EQ(back.height, 3);
  EXPECT_EQ(back.channels, 3);
  EXPECT_EQ(back.pixels, image.pixels);
}

TEST(Image, WritePngThenReadImage) {
  ScratchDir dir;
  Image image = pattern_image(4, 6, 3);
  write_png(dir / "a.png", image);
  EXPECT_EQ(read_image(dir / "a.png").pixels, image.pixels);
}

TEST(Image, GrayscaleIsReplicatedToRgb) {
  Image gray = pattern_image(3, 2, 1, 40);
  Image rgb = decode_image(encode_png(gray), "gray.png");
  ASSERT_EQ(rgb.channels, 3);
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 3; ++x)
      for (int c = 0; c < 3; ++c) EXPECT_EQ(rgb.at(y, x, c), gray.at(y, x, 0));
}

TEST(Image, AlphaIsDropped) {
  ScratchDir dir;
  std::vector<uint8_t> rgba = {10, 20, 30, 0, 40, 50, 60, 255};  // 2x1, the first pixel transparent
  ASSERT_TRUE(stbi_write_png((dir / "rgba.png").c_str(), 2, 1, 4, rgba.data(), 8));
  Image image = read_image(dir / "rgba.png");
  ASSERT_EQ(image.channels, 3);
  EXPECT_EQ(image.pixels, (std::vector<uint8_t>{10, 20, 30, 40, 50, 60}));
}

TEST(Image, DecodesJpegAndBmp) {
  ScratchDir dir;
  Image image(16, 8, 3);
  for (size_t i = 0; i < image.pixels.size(); i += 3) image.pixels[i] = 200, image.pixels[i + 1] = 100, image.pixels[i + 2] = 50;
  ASSERT_TRUE(stbi_write_jpg((dir / "flat.jpg").c_str(), 16, 8, 3, image.pixels.data(), 100));
  ASSERT_TRUE(stbi_write_bmp((dir / "flat.bmp").c_str(), 16, 8, 3, image.pixels.data()));
  Image jpg = read_image(dir / "flat.jpg");
  ASSERT_EQ(jpg.pixels.size(), image.pixels.size());
  for (size_t i = 0; i < jpg.pixels.size(); ++i) EXPECT_NEAR(jpg.pixels[i], image.pixels[i], 3) << i;
  EXPECT_EQ(read_image(dir / "flat.bmp").pixels, image.pixels);
}

TEST(Image, BadBytesNameTheFile) {
  ScratchDir dir;
  std::vector<uint8_t> png = encode_png(pattern_image(8, 8, 3));
  write_bytes(dir / "truncated.png", std::vector<uint8_t>(png.begin(), png.begin() + png.size() / 2));
  write_bytes(dir / "text.png", {'h', 'e', 'l', 'l', 'o'});
  write_bytes(dir / "empty.png", {});
  expect_data_error([&] { read_image(dir / "truncated.png"); }, dir / "truncated.png", "cannot decode");
  expect_data_error([&] { read_image(dir / "text.png"); }, dir / "text.png", "cannot decode");
  expect_data_error([&] { read_image(dir / "empty.png"); }, dir / "empty.png", "empty file");
  expect_data_error([&] { read_image(dir / "missing.png"); }, dir / "missing.png", "cannot open");
  expect_data_error([&] { read_image(dir.path()); }, dir.path(), "found a folder");
}

// fuzz_image's first finding: a valid 24-bit BMP header declaring 3 x 0 pixels.
TEST(Image, ImageWithoutPixelsIsAnError) {
  std::vector<uint8_t> bmp(94, 0);
  const uint8_t header[] = {'B', 'M', 0x4e, 0, 0, 0, 0, 0, 0, 0, 0x36, 0, 0, 0, 0x28, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0, 24, 0};
  std::copy(std::begin(header), std::end(header), bmp.begin());
  expect_data_error([&] { decode_image(bmp, "empty.bmp"); }, "empty.bmp", "no pixels");
}

// stb_image_write's JPEG has one DHT segment holding its four Huffman tables (DC 0, AC 0,
// DC 1, AC 1); calls edit(table header, its 16 counts) on each before decoding.
std::vector<uint8_t> jpeg_with_edited_tables(const std::function<void(uint8_t&, uint8_t*)>& edit) {
  ScratchDir dir;
  Image image = pattern_image(16, 8, 3);
  EXPECT_TRUE(stbi_write_jpg((dir / "a.jpg").c_str(), 16, 8, 3, image.pixels.data(), 90));
  std::vector<uint8_t> jpg = read_file(dir / "a.jpg");
  size_t dht = 2;
  while (dht + 1 < jpg.size() && !(jpg[dht] == 0xFF && jpg[dht + 1] == 0xC4)) ++dht;
  const size_t end = dht + 2 + (size_t{jpg.at(dht + 2)} << 8 | jpg.at(dht + 3));
  for (size_t table = dht + 4; table + 17 <= end;) {
    size_t codes = 0;
    for (size_t i = 1; i <= 16; ++i) codes += jpg[table + i];
    edit(jpg[table], &jpg[table + 1]);
    table += 17 + codes;
  }
  return jpg;
}

// fuzz_image's second finding: the scan decodes with AC table 0, relabelled here as table 1,
// so no DHT segment defines it; stb would read uninitialised memory and could abort.
TEST(Image, JpegScanWithAnUndefinedHuffmanTableIsAnError) {
  std::vector<uint8_t> jpg = jpeg_with_edited_tables([](uint8_t& header, uint8_t*) {
    if (header == 0x10) header = 0x11;
  });
  expect_data_error([&] { decode_image(jpg, "relabelled.jpg"); }, "relabelled.jpg",
                    "corrupt JPEG: a scan uses a Huffman table that no DHT segment defines");
}

// Code-length counts totalling more than 256: stb would write past its table (its first
// fuzz finding on JPEG). The count of 16-bit codes is raised on the last table only, which
// the walk then reads to its end.
TEST(Image, JpegHuffmanTableWithTooManyCodesIsAnError) {
  std::vector<uint8_t> jpg = jpeg_with_edited_tables([](uint8_t& header, uint8_t* counts) {
    if (header == 0x11) counts[15] = 255;  // 119 -> 255: 298 codes
  });
  expect_data_error([&] { decode_image(jpg, "oversized.jpg"); }, "oversized.jpg",
                    "corrupt JPEG: a Huffman table declares more than 256 codes");
}

TEST(Image, ToTensorIsChwInMinusOneToOne) {
  Image image(3, 2, 3);
  image.at(1, 2, 0) = 255;
  image.at(0, 1, 2) = 51;
  Tensor t = to_tensor(image);
  ASSERT_EQ(t.shape(), (Shape{3, 2, 3}));
  std::vector<float> v = t.to_vector<float>();
  EXPECT_FLOAT_EQ(v[0 * 6 + 1 * 3 + 2], 1.0f);
  EXPECT_FLOAT_EQ(v[2 * 6 + 0 * 3 + 1], 51 / 127.5f - 1);
  EXPECT_FLOAT_EQ(v[1 * 6 + 0 * 3 + 0], -1.0f);
}

TEST(Image, FromTensorInvertsToTensorAndClamps) {
  Image image = pattern_image(4, 3, 3, 5);
  EXPECT_EQ(from_tensor(to_tensor(image)).pixels, image.pixels);
  Image clamped = from_tensor(from_vector(std::vector<float>{-3.0f, 0.0f, 0.5f, 7.0f}, {1, 2, 2}), 0, 1);
  EXPECT_EQ(clamped.pixels, (std::vector<uint8_t>{0, 0, 128, 255}));
  EXPECT_THROW(from_tensor(zeros({2, 2, 2})), std::invalid_argument);
}

}  // namespace
}  // namespace ganforge::data
