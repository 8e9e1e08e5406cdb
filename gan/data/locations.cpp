#include "gan/data/locations.h"

#include <cstdlib>

namespace fs = std::filesystem;

namespace ganforge::data {
namespace {

fs::path env_or(const char* name, const fs::path& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? fs::path(value) : fallback;
}

}  // namespace

fs::path cache_dir() {
  const fs::path xdg = env_or("XDG_CACHE_HOME", env_or("HOME", "/root") / ".cache");
  return env_or("GANFORGE_DATA_CACHE", xdg / "ganforge");
}

fs::path mnist_dir() { return env_or("GANFORGE_MNIST_DIR", cache_dir() / "mnist" / "package" / "data"); }
fs::path fashion_mnist_dir() { return env_or("GANFORGE_FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist"); }
fs::path shared_data_dir() {
  return env_or("GANFORGE_SHARED_DATA", (fs::path(GANFORGE_SOURCE_DIR) / ".." / "shared" / "data").lexically_normal());
}

}  // namespace ganforge::data
