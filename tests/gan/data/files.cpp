#include "tests/gan/data/files.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdlib>
#include <fstream>

#include "gan/data/error.h"

namespace ganforge::data::testing {
namespace fs = std::filesystem;

ScratchDir::ScratchDir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  path_ = fs::temp_directory_path() / ("ganforge_data_" + std::to_string(getpid()) + "_" + info->test_suite_name() +
                                       "_" + info->name());
  fs::remove_all(path_);
  fs::create_directories(path_);
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
  fs::remove_all(path_, ec);
}

void write_bytes(const fs::path& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

void write_gzip(const fs::path& path, const std::vector<uint8_t>& bytes) {
  gzFile gz = gzopen(path.c_str(), "wb");
  ASSERT_NE(gz, nullptr) << path;
  ASSERT_EQ(gzwrite(gz, bytes.data(), static_cast<unsigned>(bytes.size())), static_cast<int>(bytes.size()));
  ASSERT_EQ(gzclose(gz), Z_OK);
}

Image pattern_image(int width, int height, int channels, int seed) {
  Image image(width, height, channels);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int c = 0; c < channels; ++c) image.at(y, x, c) = static_cast<uint8_t>((seed + 7 * y + 3 * x + 50 * c) % 256);
  return image;
}

void expect_data_error(const std::function<void()>& action, const fs::path& file, const std::string& phrase) {
  try {
    action();
    ADD_FAILURE() << "expected a DataError about " << file << " (" << phrase << "), but nothing was thrown";
  } catch (const DataError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(file.string()), std::string::npos) << "message does not name " << file << ": " << message;
    EXPECT_NE(message.find(phrase), std::string::npos) << "message lacks '" << phrase << "': " << message;
  }
}

}  // namespace ganforge::data::testing
