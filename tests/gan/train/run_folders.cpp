#include "tests/gan/train/run_folders.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <system_error>
#include <vector>

namespace fs = std::filesystem;

namespace ganforge::testing {

fs::path scratch_folder(const std::string& name) {
  static struct Folders {
    std::vector<fs::path> made;
    ~Folders() {
      std::error_code ignored;
      for (const fs::path& p : made) fs::remove_all(p, ignored);
    }
  } folders;
  const fs::path p = fs::path(::testing::TempDir()) / ("ganforge_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(p);
  fs::create_directories(p);
  folders.made.push_back(p);
  return p;
}

fs::path tiny_mnist() {
  static const fs::path dir = [] {
    const fs::path d = scratch_folder("mnist");
    const char n = 32;
    std::string pixels, labels;
    for (int i = 0; i < n; ++i) {
      labels += static_cast<char>(i % 10);
      for (int y = 0; y < 28; ++y)
        for (int x = 0; x < 28; ++x) pixels += static_cast<char>((x - 14) * (x - 14) + (y - 14) * (y - 14) < 20 + 8 * (i % 10) ? 255 : 0);
    }
    write_text(d / "train-images-idx3-ubyte", std::string("\0\0\x08\x03\0\0\0", 7) + n + std::string("\0\0\0\x1c\0\0\0\x1c", 8) + pixels);
    write_text(d / "train-labels-idx1-ubyte", std::string("\0\0\x08\x01\0\0\0", 7) + n + labels);
    return d;
  }();
  return dir;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_text(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  if (!out) ADD_FAILURE() << "cannot write " << path;
}

}  // namespace ganforge::testing
