// Helpers for the data tests: a scratch folder per test, files written byte for byte,
// the real data sets' locations, and the check that an error names a file and a reason.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "gan/data/image.h"

namespace ganforge::data::testing {

// A fresh folder for the running test, removed when this goes out of scope.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

void write_bytes(const std::filesystem::path& path, const std::vector<uint8_t>& bytes);
void write_gzip(const std::filesystem::path& path, const std::vector<uint8_t>& bytes);
// An image whose pixel (y, x, c) is (seed + 7y + 3x + 50c) mod 256.
Image pattern_image(int width, int height, int channels, int seed = 0);

// Runs `action`, which must throw a DataError whose message holds `file` and `phrase`.
void expect_data_error(const std::function<void()>& action, const std::filesystem::path& file,
                       const std::string& phrase);

// Where the real data sets are: the environment variable if set, else the documented default.
std::filesystem::path shared_data_dir();  // GANFORGE_SHARED_DATA, else <repo>/../shared/data
std::filesystem::path cache_dir();        // GANFORGE_DATA_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/ganforge
std::filesystem::path mnist_dir();        // GANFORGE_MNIST_DIR, else <cache>/mnist/package/data
std::filesystem::path fashion_mnist_dir();  // GANFORGE_FASHION_MNIST_DIR, else Debian's folder

}  // namespace ganforge::data::testing
