#include "gan/data/folders.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "gan/data/error.h"

namespace ganforge::data {
namespace fs = std::filesystem;
namespace {

bool is_image_name(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp";
}

bool is_hidden(const fs::path& path) { return path.filename().string().starts_with("."); }

// The entries of a folder, sorted; filesystem errors become a DataError naming it.
std::vector<fs::directory_entry> entries(const fs::path& folder) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) throw DataError(folder, "not found or not a folder");
  std::vector<fs::directory_entry> out;
  try {
    for (const fs::directory_entry& entry : fs::directory_iterator(folder))
      if (!is_hidden(entry.path())) out.push_back(entry);
  } catch (const fs::filesystem_error& e) {
    throw DataError(folder, std::string("cannot list the folder (") + e.code().message() + ")");
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.path() < b.path(); });
  return out;
}

void check_index(int64_t index, int64_t size, const char* what) {
  if (index < 0 || index >= size)
    throw std::out_of_range(std::string(what) + ": index " + std::to_string(index) + " of " + std::to_string(size));
}

}  // namespace

std::vector<fs::path> list_images(const fs::path& folder) {
  std::vector<fs::path> images;
  for (const fs::directory_entry& entry : entries(folder)) {
    if (!entry.is_regular_file() || !is_image_name(entry.path()))
      throw DataError(entry.path(), "not an image file; expected only .png, .jpg, .jpeg or .bmp files in this folder");
    images.push_back(entry.path());
  }
  if (images.empty()) throw DataError(folder, "holds no images; expected .png, .jpg, .jpeg or .bmp files");
  return images;
}

ImageFolderDataset::ImageFolderDataset(const fs::path& root, AugmentOptions augment) : augment_(augment) {
  for (const fs::directory_entry& entry : entries(root)) {
    if (!entry.is_directory())
      throw DataError(entry.path(), "not a folder; expected only class folders (root/<class>/<image>) here");
    for (fs::path& file : list_images(entry.path())) {
      files_.push_back(std::move(file));
      labels_.push_back(static_cast<int64_t>(classes_.size()));
    }
    classes_.push_back(entry.path().filename().string());
  }
  if (classes_.empty()) throw DataError(root, "holds no class folders; expected root/<class>/<image>");
}

Example ImageFolderDataset::get(int64_t index, SampleRng& rng) const {
  check_index(index, size(), "ImageFolderDataset");
  return Example{{Augment::sample(augment_, rng).apply(read_image(files_[index]))}, labels_[index]};
}

PairedDataset::PairedDataset(const fs::path& side_by_side, Direction direction, AugmentOptions augment)
    : files_a_(list_images(side_by_side)), direction_(direction), augment_(augment) {}

PairedDataset::PairedDataset(const fs::path& folder_a, const fs::path& folder_b, Direction direction,
                             AugmentOptions augment)
    : files_a_(list_images(folder_a)), files_b_(list_images(folder_b)), direction_(direction), augment_(augment) {
  std::set<fs::path> names_b;
  for (const fs::path& b : files_b_) names_b.insert(b.filename());
  for (const fs::path& a : files_a_)
    if (!names_b.contains(a.filename()))
      throw DataError(a, "has no partner of the same name in " + folder_b.string());
  if (files_b_.size() != files_a_.size())
    for (const fs::path& b : files_b_)
      if (!fs::exists(folder_a / b.filename()))
        throw DataError(b, "has no partner of the same name in " + folder_a.string());
}

Example PairedDataset::get(int64_t index, SampleRng& rng) const {
  check_index(index, size(), "PairedDataset");
  Image a, b;
  if (files_b_.empty()) {
    Image both = read_image(files_a_[index]);
    if (both.width % 2 != 0)
      throw DataError(files_a_[index], "width " + std::to_string(both.width) +
                                           " is odd; expected two halves side by side (A|B)");
    a = left_half(both);
    b = right_half(both);
  } else {
    a = read_image(files_a_[index]);
    b = read_image(files_b_[index]);
    if (a.width != b.width || a.height != b.height)
      throw DataError(files_b_[index], "is " + std::to_string(b.width) + "x" + std::to_string(b.height) +
                                           "; expected the size of its partner " + files_a_[index].string());
  }
  Augment aug = Augment::sample(augment_, rng);
  a = aug.apply(a);
  b = aug.apply(b);
  if (direction_ == Direction::BtoA) std::swap(a, b);
  return Example{{std::move(a), std::move(b)}, -1};
}

UnpairedDataset::UnpairedDataset(const fs::path& root, Split split, AugmentOptions augment)
    : files_a_(list_images(root / (split == Split::Train ? "trainA" : "testA"))),
      files_b_(list_images(root / (split == Split::Train ? "trainB" : "testB"))),
      augment_(augment) {}

int64_t UnpairedDataset::size() const { return std::max(size_a(), size_b()); }

Example UnpairedDataset::get(int64_t index, SampleRng& rng) const {
  check_index(index, size(), "UnpairedDataset");
  const int64_t b_index = rng.below(size_b());
  Image a = Augment::sample(augment_, rng).apply(read_image(files_a_[index % size_a()]));
  Image b = Augment::sample(augment_, rng).apply(read_image(files_b_[b_index]));
  return Example{{std::move(a), std::move(b)}, -1};
}

}  // namespace ganforge::data
