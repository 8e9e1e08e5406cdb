// For readers that only read files: each fuzz input is written to one file per process,
// which is removed when the fuzzer exits.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace ganforge::fuzz {

class InputFile {
 public:
  explicit InputFile(const std::string& name)
      : path_(std::filesystem::temp_directory_path() / (name + "-" + std::to_string(getpid()))) {}
  ~InputFile() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  const std::filesystem::path& write(const uint8_t* data, size_t size) {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    if (!out) std::abort();  // the harness, not the reader, failed
    return path_;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace ganforge::fuzz
