// The one exception every data reader throws: its message names the file and what was
// expected, so a bad data set is one clear line, never a crash or a partial load.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>

namespace ganforge::data {

class DataError : public std::runtime_error {
 public:
  DataError(const std::filesystem::path& file, const std::string& what)
      : std::runtime_error(file.string() + ": " + what), file_(file) {}
  const std::filesystem::path& file() const { return file_; }

 private:
  std::filesystem::path file_;
};

}  // namespace ganforge::data
