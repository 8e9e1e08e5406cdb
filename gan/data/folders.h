// Data sets read from folders of PNG/JPEG/BMP images, decoded on demand (in the loader's
// worker threads): class folders (torchvision's ImageFolder layout), pix2pix paired sets
// and CycleGAN unpaired sets. Every image comes out RGB (gray replicated, alpha dropped).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "gan/data/dataset.h"
#include "gan/data/transforms.h"

namespace ganforge::data {

// The images of one folder, sorted by name. Hidden files (".name") are skipped; any other
// file that is not .png/.jpg/.jpeg/.bmp, a sub-folder, an empty or missing folder is a
// DataError naming it.
std::vector<std::filesystem::path> list_images(const std::filesystem::path& folder);

// root/<class>/<image>: classes sorted by name and labelled 0, 1, ...
class ImageFolderDataset : public Dataset {
 public:
  explicit ImageFolderDataset(const std::filesystem::path& root, AugmentOptions augment = {});
  int64_t size() const override { return static_cast<int64_t>(files_.size()); }
  Example get(int64_t index, SampleRng& rng) const override;
  const std::vector<std::string>& classes() const { return classes_; }
  int64_t label(int64_t index) const { return labels_[index]; }
  const std::filesystem::path& file(int64_t index) const { return files_[index]; }

 private:
  std::vector<std::string> classes_;
  std::vector<std::filesystem::path> files_;
  std::vector<int64_t> labels_;
  AugmentOptions augment_;
};

enum class Direction { AtoB, BtoA };

// pix2pix pairs: one folder of side-by-side A|B images (the facades layout: A left), or
// two folders with the same file names. An example holds {input, target}: {A, B} for
// AtoB, {B, A} for BtoA. Both images get the same random crop and flip.
class PairedDataset : public Dataset {
 public:
  PairedDataset(const std::filesystem::path& side_by_side, Direction direction, AugmentOptions augment = {});
  PairedDataset(const std::filesystem::path& folder_a, const std::filesystem::path& folder_b, Direction direction,
                AugmentOptions augment = {});
  int64_t size() const override { return static_cast<int64_t>(files_a_.size()); }
  Example get(int64_t index, SampleRng& rng) const override;

 private:
  std::vector<std::filesystem::path> files_a_;
  std::vector<std::filesystem::path> files_b_;  // empty for side-by-side images
  Direction direction_;
  AugmentOptions augment_;
};

// CycleGAN sets: root/trainA and root/trainB (or testA, testB). Example i holds
// {A[i mod |A|], B[random]} as CycleGAN's unaligned loader does; the size is max(|A|, |B|).
// A and B are augmented independently.
class UnpairedDataset : public Dataset {
 public:
  UnpairedDataset(const std::filesystem::path& root, Split split, AugmentOptions augment = {});
  int64_t size() const override;
  Example get(int64_t index, SampleRng& rng) const override;
  int64_t size_a() const { return static_cast<int64_t>(files_a_.size()); }
  int64_t size_b() const { return static_cast<int64_t>(files_b_.size()); }
  const std::filesystem::path& file_a(int64_t index) const { return files_a_[index]; }
  const std::filesystem::path& file_b(int64_t index) const { return files_b_[index]; }

 private:
  std::vector<std::filesystem::path> files_a_;
  std::vector<std::filesystem::path> files_b_;
  AugmentOptions augment_;
};

}  // namespace ganforge::data
