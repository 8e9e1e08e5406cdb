// Where `--data` points: a data set name (mnist, fashion-mnist, cifar10, facades,
// horse2zebra) found where tools/setup.sh and tools/fetch-data.sh put them (the data cache,
// else the local mirror: gan/data/locations.h), or a folder, whose layout says
// what it is (IDX files, CIFAR binary batches, trainA/trainB, side-by-side pairs, or class
// folders). Each model gets the dataset in the form its recipe trains on.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "gan/data/dataset.h"
#include "gan/data/transforms.h"
#include "gan/train/options.h"

namespace ganforge::gan {

struct DataSource {
  std::shared_ptr<const data::Dataset> train;
  int64_t channels = 0, classes = 0;
  std::string description;  // "MNIST (60000 images, /path)"
};

// The folder a data set name stands for (a path is returned as it is). Throws naming the
// places it looked and how to get the data.
std::filesystem::path locate_data(const std::string& name_or_path, bool want_unpaired = false);

// True when `data` is MNIST-like: a 28x28 IDX data set (by name, or a folder of IDX files).
bool is_idx_data(const std::string& data);

// The training set for the resolved options (image size known), with the recipe's
// augmentation: resizing, and for pix2pix / CycleGAN resize-to-1.12x, random crop and flip.
DataSource open_training_data(const TrainOptions& options);

// A labelled image data set by name (mnist, fashion-mnist, cifar10): its training or test split
// at its own size, with `augment` applied (the classifiers of gan/eval train on these).
DataSource open_labelled_split(const std::string& name, data::Split split, const data::AugmentOptions& augment = {});

}  // namespace ganforge::gan
