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

static fs::path env_or(const char* name, const fs::path& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? fs::path(value) : fallback;
}

fs::path shared_data_dir() { return env_or("GANFORGE_SHARED_DATA", fs::path(GANFORGE_SOURCE_DIR) / ".." / "shared" / "data"); }

fs::path cache_dir() {
  fs::path xdg = env_or("XDG_CACHE_HOME", env_or("HOME", "/root") / ".cache");
  return env_or("GANFORGE_DATA_CACHE", xdg / "ganforge");
}

fs::path mnist_dir() { return env_or("GANFORGE_MNIST_DIR", cache_dir() / "mnist" / "package" / "data"); }
fs::path fashion_mnist_dir() { return env_or("GANFORGE_FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist"); }

}  // namespace ganforge::data::testing
