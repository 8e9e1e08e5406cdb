#include "gan/data/locations.h"

#include <cstdlib>
#include <stdexcept>

namespace fs = std::filesystem;

namespace ganforge::data {
namespace {

fs::path env_or(const char* name, const fs::path& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? fs::path(value) : fallback;
}

bool is_folder(const fs::path& path) {
  std::error_code ec;  // an unreadable place counts as absent, and its path is still reported
  return fs::is_directory(path, ec);
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

DataSetLocation find_data_set(const std::string& name) {
  DataSetLocation where;
  // Each candidate: the folder to report and return, and the folder whose presence proves it.
  std::vector<std::pair<fs::path, fs::path>> candidates;
  if (name == "facades" || name == "horse2zebra") {
    candidates = {{cache_dir() / name, cache_dir() / name}, {shared_data_dir() / name, shared_data_dir() / name}};
  } else if (name == "cifar10") {
    const fs::path binary = cache_dir() / "cifar-10-batches-bin", folders = cache_dir() / "cifar10";
    candidates = {{binary, binary}, {folders, folders / "train"}};
  } else {
    throw std::invalid_argument("find_data_set: unknown data set '" + name +
                                "'; expected facades, horse2zebra or cifar10");
  }
  for (const auto& [path, proof] : candidates) {
    where.looked_at.push_back(path);
    if (where.path.empty() && is_folder(proof)) where.path = path;
  }
  return where;
}

std::string missing_data_set_message(const std::string& name, const DataSetLocation& where) {
  std::string places;
  for (const fs::path& place : where.looked_at) places += (places.empty() ? "" : ", ") + place.string();
  return "data set '" + name + "' is in none of " + places + "; run: tools/fetch-data.sh " + name + " (in " +
         GANFORGE_SOURCE_DIR + "; it downloads the data set, or takes it from the local mirror GANFORGE_SHARED_DATA) " +
         "or set GANFORGE_DATA_CACHE to a cache that holds it";
}

}  // namespace ganforge::data
