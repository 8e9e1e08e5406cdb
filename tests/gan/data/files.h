// Helpers for the data tests: a scratch folder per test, files written byte for byte,
// the real data sets' locations, and the check that an error names a file and a reason.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "gan/data/image.h"
#include "gan/data/locations.h"

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

}  // namespace ganforge::data::testing
