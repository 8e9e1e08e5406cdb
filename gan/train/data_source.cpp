#include "gan/train/data_source.h"

#include <algorithm>
#include <stdexcept>

#include "gan/data/cifar.h"
#include "gan/data/folders.h"
#include "gan/data/idx.h"
#include "gan/data/locations.h"

namespace fs = std::filesystem;

namespace ganforge::gan {
namespace {

bool has_idx_files(const fs::path& folder) {
  for (const char* stem : {"train-images-idx3-ubyte", "train-images-idx3-ubyte.gz"})
    if (fs::exists(folder / stem)) return true;
  return false;
}

// The official CIFAR-10 binary batches: by their first file, or by the archive's folder name
// (then a missing batch is CifarBinaryDataset's DataError naming it, not a class-folder error).
bool is_cifar_binary(const fs::path& folder) {
  return fs::exists(folder / "data_batch_1.bin") || folder.filename() == "cifar-10-batches-bin";
}

// The first `limit` examples of another data set (`--limit`, for quick runs and tests).
class Subset : public data::Dataset {
 public:
  Subset(std::shared_ptr<const data::Dataset> base, int64_t size) : base_(std::move(base)), size_(size) {}
  int64_t size() const override { return size_; }
  data::Example get(int64_t index, data::SampleRng& rng) const override { return base_->get(index, rng); }

 private:
  std::shared_ptr<const data::Dataset> base_;
  int64_t size_;
};

data::Direction direction_of(const TrainOptions& o) {
  if (o.direction == "AtoB") return data::Direction::AtoB;
  if (o.direction == "BtoA") return data::Direction::BtoA;
  throw std::invalid_argument("--direction must be AtoB or BtoA; got '" + o.direction + "'");
}

}  // namespace

bool is_idx_data(const std::string& data) {
  return data == "mnist" || data == "fashion-mnist" || (fs::is_directory(data) && has_idx_files(data));
}

fs::path locate_data(const std::string& name, bool want_unpaired) {
  const auto require = [&](const fs::path& folder, const std::string& how) {
    if (!fs::is_directory(folder))
      throw std::invalid_argument("data set '" + name + "' is not at " + folder.string() + "; " + how);
    return folder;
  };
  if (name == "mnist")
    return require(data::mnist_dir(), "run tools/fetch-data.sh mnist (tools/setup.sh does) or set GANFORGE_MNIST_DIR to a "
                                      "folder of the IDX files");
  if (name == "fashion-mnist")
    return require(data::fashion_mnist_dir(),
                   "install Debian's dataset-fashion-mnist or set GANFORGE_FASHION_MNIST_DIR to a folder of the IDX files");
  if (name == "cifar10" || name == "facades" || name == "horse2zebra") {
    // Where tools/fetch-data.sh puts them (the data cache), else the local mirror's copy.
    const data::DataSetLocation where = data::find_data_set(name);
    if (!where.found()) throw std::invalid_argument(data::missing_data_set_message(name, where));
    if (name == "cifar10") return is_cifar_binary(where.path) ? where.path : where.path / "train";
    return name == "facades" && !want_unpaired ? where.path / "train" : where.path;
  }
  if (!fs::is_directory(name))
    throw std::invalid_argument("--data '" + name +
                                "' is neither a folder nor a known data set (mnist, fashion-mnist, cifar10, facades, horse2zebra)");
  return name;
}

DataSource open_training_data(const TrainOptions& o) {
  DataSource source;
  const int size = static_cast<int>(o.image_size);
  if (o.arch == Arch::Pix2pix || o.arch == Arch::Cyclegan) {
    // The reference's "resize_and_crop": load at 286/256 of the crop size, random crop, flip.
    const data::AugmentOptions augment{.load_size = size * 286 / 256, .crop_size = size, .flip = true};
    const fs::path root = locate_data(o.data, o.arch == Arch::Cyclegan);
    if (o.arch == Arch::Pix2pix) {
      const bool folders = fs::is_directory(root / "A") && fs::is_directory(root / "B");
      source.train = folders ? std::make_shared<data::PairedDataset>(root / "A", root / "B", direction_of(o), augment)
                             : std::make_shared<data::PairedDataset>(root, direction_of(o), augment);
      source.description = "paired images from " + root.string();
    } else {
      auto unpaired = std::make_shared<data::UnpairedDataset>(root, data::Split::Train, augment);
      source.description = "unpaired images from " + root.string() + " (" + std::to_string(unpaired->size_a()) + " A, " +
                           std::to_string(unpaired->size_b()) + " B)";
      source.train = unpaired;
    }
    source.channels = 3;
  } else {
    const fs::path root = locate_data(o.data);
    data::AugmentOptions augment{.load_size = 0};
    if (has_idx_files(root)) {
      if (size != 28) augment.load_size = size;  // MNIST is 28x28; cGAN trains on 32x32
      source.train = std::make_shared<data::MnistDataset>(root, data::Split::Train, augment);
      source.channels = 1;
      source.classes = 10;
      source.description = "IDX images from " + root.string();
    } else if (is_cifar_binary(root)) {
      if (size != data::CifarBinaryDataset::kSide) augment.load_size = size;
      source.train = std::make_shared<data::CifarBinaryDataset>(root, data::Split::Train, augment);
      source.channels = 3;
      source.classes = 10;
      source.description = "CIFAR-10 batches from " + root.string();
    } else {
      augment.load_size = size;
      auto folders = std::make_shared<data::ImageFolderDataset>(root, augment);
      source.channels = 3;
      source.classes = static_cast<int64_t>(folders->classes().size());
      source.description = "images in class folders from " + root.string();
      source.train = folders;
    }
  }
  if (o.limit > 0 && o.limit < source.train->size()) source.train = std::make_shared<Subset>(source.train, o.limit);
  source.description = std::to_string(source.train->size()) + " " + source.description;
  return source;
}

DataSource open_labelled_split(const std::string& name, data::Split split, const data::AugmentOptions& augment) {
  const bool test = split == data::Split::Test;
  DataSource source;
  source.classes = 10;
  if (name == "mnist" || name == "fashion-mnist") {
    const fs::path root = locate_data(name);
    source.train = std::make_shared<data::MnistDataset>(root, split, augment);
    source.channels = 1;
    source.description = name + (test ? " test" : " training") + " split from " + root.string();
  } else if (name == "cifar10") {
    const fs::path root = locate_data(name);  // the binary batches, or the class folders' train/
    if (is_cifar_binary(root)) {
      source.train = std::make_shared<data::CifarBinaryDataset>(root, split, augment);
      source.description = std::string("CIFAR-10 ") + (test ? "test" : "training") + " batches from " + root.string();
    } else {
      const fs::path folder = test ? root.parent_path() / "test" : root;
      source.train = std::make_shared<data::ImageFolderDataset>(folder, augment);
      source.description = "CIFAR-10 class folders from " + folder.string();
    }
    source.channels = 3;
  } else {
    throw std::invalid_argument("data set '" + name + "': expected mnist, fashion-mnist or cifar10 (labelled image sets)");
  }
  source.description = std::to_string(source.train->size()) + " images, " + source.description;
  return source;
}

}  // namespace ganforge::gan
