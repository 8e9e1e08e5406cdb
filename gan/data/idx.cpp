#include "gan/data/idx.h"

#include <zlib.h>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>

#include "gan/data/error.h"

namespace ganforge::data {
namespace {

using GzFile = std::unique_ptr<gzFile_s, int (*)(gzFile)>;

// Reads up to `n` bytes; fewer only at the end of the data. A zlib error is a DataError.
size_t read_some(gzFile gz, const std::filesystem::path& path, uint8_t* out, size_t n) {
  size_t got = 0;
  while (got < n) {
    unsigned chunk = static_cast<unsigned>(std::min<size_t>(n - got, 1u << 20));
    int r = gzread(gz, out + got, chunk);
    if (r < 0) {
      int errnum = 0;
      throw DataError(path, std::string("corrupt gzip data (") + gzerror(gz, &errnum) + ")");
    }
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  int errnum = Z_OK;
  const char* message = gzerror(gz, &errnum);
  if (errnum != Z_OK) throw DataError(path, std::string("truncated or corrupt gzip data (") + message + ")");
  return got;
}

std::string dims_str(const std::vector<int64_t>& dims) {
  std::string s;
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? "x" : "") + std::to_string(dims[i]);
  return s;
}

std::filesystem::path find_file(const std::filesystem::path& folder, const std::string& name) {
  for (const std::string& candidate : {name, name + ".gz"})
    if (std::filesystem::is_regular_file(folder / candidate)) return folder / candidate;
  throw DataError(folder / name, "not found (nor " + name + ".gz); expected the official MNIST file names");
}

}  // namespace

IdxArray read_idx(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw DataError(path, "not found or not a regular file");
  // gzopen reads uncompressed files as they are, so one path serves .gz and plain files.
  GzFile gz(gzopen(path.c_str(), "rb"), gzclose);
  if (!gz) throw DataError(path, "cannot open for reading");
  uint8_t magic[4];
  if (read_some(gz.get(), path, magic, 4) != 4) throw DataError(path, "truncated: shorter than the 4-byte IDX magic");
  if (magic[0] != 0 || magic[1] != 0)
    throw DataError(path, "wrong magic number; expected an IDX file (first two bytes zero)");
  if (magic[2] != 0x08)
    throw DataError(path, "IDX element type " + std::to_string(magic[2]) +
                              " is not supported; expected 8 (0x08, unsigned byte)");
  const int ndim = magic[3];
  if (ndim == 0) throw DataError(path, "IDX header has 0 dimensions; expected at least 1");
  IdxArray array;
  for (int d = 0; d < ndim; ++d) {
    uint8_t b[4];
    if (read_some(gz.get(), path, b, 4) != 4)
      throw DataError(path, "truncated: header ends before dimension " + std::to_string(d + 1) + " of " +
                                std::to_string(ndim));
    uint32_t size = (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
    array.dims.push_back(size);
  }
  constexpr uint64_t kMaxBytes = uint64_t{1} << 40;
  uint64_t total = 1;
  for (int64_t size : array.dims) {
    if (size != 0 && total > kMaxBytes / static_cast<uint64_t>(size))
      throw DataError(path, "IDX dimensions " + dims_str(array.dims) + " are implausibly large");
    total *= static_cast<uint64_t>(size);
  }
  // Grow with the data actually read, so a lying header cannot make us allocate its claim.
  constexpr size_t kStep = size_t{1} << 24;
  while (array.data.size() < total) {
    size_t before = array.data.size();
    size_t want = std::min<size_t>(kStep, total - before);
    array.data.resize(before + want);
    size_t got = read_some(gz.get(), path, array.data.data() + before, want);
    if (got < want)
      throw DataError(path, "truncated: dimensions " + dims_str(array.dims) + " need " + std::to_string(total) +
                                " data bytes, found " + std::to_string(before + got));
  }
  uint8_t extra;
  if (read_some(gz.get(), path, &extra, 1) != 0)
    throw DataError(path, "longer than its header says: dimensions " + dims_str(array.dims) + " need exactly " +
                              std::to_string(total) + " data bytes");
  return array;
}

MnistDataset::MnistDataset(const std::filesystem::path& folder, Split split, AugmentOptions augment)
    : augment_(augment) {
  const std::string prefix = split == Split::Train ? "train" : "t10k";
  const std::filesystem::path image_path = find_file(folder, prefix + "-images-idx3-ubyte");
  const std::filesystem::path label_path = find_file(folder, prefix + "-labels-idx1-ubyte");
  IdxArray images = read_idx(image_path);
  IdxArray labels = read_idx(label_path);
  if (images.dims.size() != 3)
    throw DataError(image_path, "has " + std::to_string(images.dims.size()) + " dimensions; expected 3 (count, rows, columns)");
  if (labels.dims.size() != 1)
    throw DataError(label_path, "has " + std::to_string(labels.dims.size()) + " dimensions; expected 1 (count)");
  if (images.dims[0] != labels.dims[0])
    throw DataError(label_path, "holds " + std::to_string(labels.dims[0]) + " labels but " + image_path.string() +
                                    " holds " + std::to_string(images.dims[0]) + " images; expected equal counts");
  if (images.dims[0] == 0 || images.dims[1] == 0 || images.dims[2] == 0)
    throw DataError(image_path, "holds no pixels (dimensions " + dims_str(images.dims) + ")");
  for (size_t i = 0; i < labels.data.size(); ++i)
    if (labels.data[i] > 9)
      throw DataError(label_path, "label " + std::to_string(labels.data[i]) + " at index " + std::to_string(i) +
                                      "; expected 0-9");
  height_ = static_cast<int>(images.dims[1]);
  width_ = static_cast<int>(images.dims[2]);
  pixels_ = std::move(images.data);
  labels_ = std::move(labels.data);
}

Example MnistDataset::get(int64_t index, SampleRng& rng) const {
  if (index < 0 || index >= size())
    throw std::out_of_range("MnistDataset: index " + std::to_string(index) + " of " + std::to_string(size()));
  Image image(width_, height_, 1);
  const size_t n = image.pixels.size();
  std::copy_n(pixels_.begin() + static_cast<std::ptrdiff_t>(n * index), n, image.pixels.begin());
  return Example{{Augment::sample(augment_, rng).apply(image)}, labels_[index]};
}

}  // namespace ganforge::data
