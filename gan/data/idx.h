// IDX files (MNIST, Fashion-MNIST): plain or gzip-compressed, read through zlib. Only the
// unsigned-byte element type (0x08) is accepted; the data must be exactly as long as the
// header's dimensions say.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "gan/data/dataset.h"
#include "gan/data/transforms.h"

namespace ganforge::data {

struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<uint8_t> data;  // row-major, product(dims) bytes
};

IdxArray read_idx(const std::filesystem::path& path);

// MNIST or Fashion-MNIST from a folder holding the official files
// ({train,t10k}-{images-idx3,labels-idx1}-ubyte, each plain or .gz). Examples are
// single-channel images with their class label (0-9).
class MnistDataset : public Dataset {
 public:
  MnistDataset(const std::filesystem::path& folder, Split split, AugmentOptions augment = {});
  int64_t size() const override { return static_cast<int64_t>(labels_.size()); }
  Example get(int64_t index, SampleRng& rng) const override;
  const std::vector<uint8_t>& labels() const { return labels_; }

 private:
  int height_, width_;
  std::vector<uint8_t> pixels_;
  std::vector<uint8_t> labels_;
  AugmentOptions augment_;
};

}  // namespace ganforge::data
