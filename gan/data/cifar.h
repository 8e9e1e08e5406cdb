// CIFAR-10 in the official binary format: records of one label byte, then 3,072 bytes of
// 32x32 R, G and B planes (data_batch_1.bin ... data_batch_5.bin, test_batch.bin).
#pragma once

#include <filesystem>
#include <vector>

#include "gan/data/dataset.h"
#include "gan/data/transforms.h"

namespace ganforge::data {

class CifarBinaryDataset : public Dataset {
 public:
  static constexpr int kSide = 32;
  static constexpr size_t kRecordBytes = 1 + 3 * kSide * kSide;

  // The official folder (cifar-10-batches-bin): data_batch_1..5.bin or test_batch.bin.
  CifarBinaryDataset(const std::filesystem::path& folder, Split split, AugmentOptions augment = {});
  explicit CifarBinaryDataset(const std::vector<std::filesystem::path>& files, AugmentOptions augment = {});

  int64_t size() const override { return static_cast<int64_t>(labels_.size()); }
  Example get(int64_t index, SampleRng& rng) const override;
  const std::vector<uint8_t>& labels() const { return labels_; }

 private:
  std::vector<uint8_t> planes_;  // kSide*kSide*3 bytes an image, planar as in the file
  std::vector<uint8_t> labels_;
  AugmentOptions augment_;
};

}  // namespace ganforge::data
