#include "gan/data/cifar.h"

#include <string>

#include "gan/data/error.h"

namespace ganforge::data {
namespace {

std::vector<std::filesystem::path> split_files(const std::filesystem::path& folder, Split split) {
  if (split == Split::Test) return {folder / "test_batch.bin"};
  std::vector<std::filesystem::path> files;
  for (int i = 1; i <= 5; ++i) files.push_back(folder / ("data_batch_" + std::to_string(i) + ".bin"));
  return files;
}

}  // namespace

CifarBinaryDataset::CifarBinaryDataset(const std::filesystem::path& folder, Split split, AugmentOptions augment)
    : CifarBinaryDataset(split_files(folder, split), augment) {}

CifarBinaryDataset::CifarBinaryDataset(const std::vector<std::filesystem::path>& files, AugmentOptions augment)
    : augment_(augment) {
  if (files.empty()) throw std::invalid_argument("CifarBinaryDataset: no files given");
  for (const std::filesystem::path& file : files) {
    std::vector<uint8_t> bytes = read_file(file);
    if (bytes.empty() || bytes.size() % kRecordBytes != 0)
      throw DataError(file, "size " + std::to_string(bytes.size()) + " bytes is not a positive multiple of the " +
                                std::to_string(kRecordBytes) +
                                "-byte CIFAR-10 record (1 label byte + 3,072 pixel bytes); truncated or not CIFAR-10");
    for (size_t at = 0; at < bytes.size(); at += kRecordBytes) {
      if (bytes[at] > 9)
        throw DataError(file, "record " + std::to_string(at / kRecordBytes) + " has label " +
                                  std::to_string(bytes[at]) + "; expected 0-9");
      labels_.push_back(bytes[at]);
      planes_.insert(planes_.end(), bytes.begin() + static_cast<std::ptrdiff_t>(at + 1),
                     bytes.begin() + static_cast<std::ptrdiff_t>(at + kRecordBytes));
    }
  }
}

Example CifarBinaryDataset::get(int64_t index, SampleRng& rng) const {
  if (index < 0 || index >= size())
    throw std::out_of_range("CifarBinaryDataset: index " + std::to_string(index) + " of " + std::to_string(size()));
  constexpr size_t plane = kSide * kSide;
  const uint8_t* src = &planes_[static_cast<size_t>(index) * 3 * plane];
  Image image(kSide, kSide, 3);
  for (size_t p = 0; p < plane; ++p)
    for (size_t c = 0; c < 3; ++c) image.pixels[p * 3 + c] = src[c * plane + p];
  return Example{{Augment::sample(augment_, rng).apply(image)}, labels_[index]};
}

}  // namespace ganforge::data
