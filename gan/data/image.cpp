#include "gan/data/image.h"

#include <stb_image.h>
#include <stb_image_write.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <memory>

#include "gan/data/error.h"
#include "nn/atomic_file.h"

namespace ganforge::data {

namespace {

// Two corruptions stb_image 2.27 (Debian 12's libstb) does not check for in a JPEG:
// - a Huffman table whose 16 code-length counts total more than 256: stb writes past the
//   table's arrays while building it;
// - a scan that decodes with a Huffman table no DHT segment defined: stb reads that table's
//   uninitialised memory, and its assertions (live in Debian's build) may abort the process
//   (found by fuzz_image, depending on what the heap held).
// So JPEG marker segments are walked here as stb walks them, and such a file is refused
// before stb sees it; the result names the corruption. Entropy-coded data is skipped to the
// next marker (0xFF then a byte other than 0x00, a fill 0xFF or a restart marker), which
// finds every marker stb could act on.
const char* jpeg_corruption(const std::vector<uint8_t>& bytes) {
  const size_t n = bytes.size();
  auto at = [&](size_t i) -> size_t { return i < n ? bytes[i] : 0; };  // stb reads 0 past the end
  auto restart = [](size_t marker) { return marker >= 0xD0 && marker <= 0xD7; };
  // Past the 0xFF of a marker and its fill bytes: where the marker code is.
  auto skip_fill = [&](size_t pos) {
    while (pos < n && bytes[pos] == 0xFF) ++pos;
    return pos;
  };
  size_t pos = skip_fill(0);
  if (pos == 0 || at(pos) != 0xD8) return nullptr;  // not a JPEG (no start-of-image marker)
  ++pos;
  bool defined[2][4] = {};  // [DC, AC][table id]
  bool progressive = false;
  while (pos < n) {
    if (bytes[pos] != 0xFF) {  // stb skips stray bytes between segments
      ++pos;
      continue;
    }
    pos = skip_fill(pos);
    const size_t marker = at(pos++);
    // end of image, or a marker with no length that stb fails on
    if (marker == 0xD9 || marker == 0x00 || marker == 0x01 || restart(marker)) break;
    const size_t length = at(pos) << 8 | at(pos + 1);
    if (marker == 0xC2) progressive = true;
    if (marker == 0xC4) {  // define Huffman tables: class/id byte, 16 counts, the values
      for (size_t table = pos + 2; table < pos + length && table < n;) {
        if (at(table) >> 4 > 1 || (at(table) & 15) > 3) break;  // stb rejects the header
        size_t codes = 0;
        for (size_t i = 1; i <= 16; ++i) codes += at(table + i);
        if (codes > 256) return "a Huffman table declares more than 256 codes";
        defined[at(table) >> 4][at(table) & 15] = true;
        table += 17 + codes;
      }
    }
    if (marker == 0xDA) {  // start of scan: components (id, DC table << 4 | AC table), then Ss
      const size_t components = at(pos + 2), spectral_start = at(pos + 3 + 2 * components);
      for (size_t c = 0; c < components; ++c) {
        const size_t tables = at(pos + 4 + 2 * c), dc = tables >> 4, ac = tables & 15;
        // a baseline scan decodes with both tables, a progressive one with DC or AC (Ss > 0)
        const bool uses_dc = !progressive || spectral_start == 0, uses_ac = !progressive || spectral_start > 0;
        if ((uses_dc && dc < 4 && !defined[0][dc]) || (uses_ac && ac < 4 && !defined[1][ac]))
          return "a scan uses a Huffman table that no DHT segment defines";
      }
    }
    pos += length;
    if (marker == 0xDA) {  // skip the scan's entropy-coded data, where 0xFF 0x00 is a data byte
      while (pos < n) {
        size_t code = bytes[pos] == 0xFF ? skip_fill(pos) : pos + 1;
        if (bytes[pos] == 0xFF && code < n && bytes[code] != 0x00 && !restart(bytes[code])) break;
        pos = bytes[pos] == 0xFF ? code + 1 : code;
      }
    }
  }
  return nullptr;
}

// stb_image grows its buffer for a PNG's compressed data by each IDAT chunk's declared
// length (up to 1 GiB) before reading it. A chunk longer than the rest of the file can only
// fail to decode, so it is refused before stb allocates for it.
bool png_chunk_overruns(const std::vector<uint8_t>& bytes) {
  static constexpr uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (bytes.size() < 8 || !std::equal(kSignature, kSignature + 8, bytes.begin())) return false;
  for (size_t pos = 8; pos + 8 <= bytes.size();) {
    const uint64_t length = uint64_t{bytes[pos]} << 24 | uint64_t{bytes[pos + 1]} << 16 |
                            uint64_t{bytes[pos + 2]} << 8 | bytes[pos + 3];
    if (std::equal(bytes.begin() + static_cast<std::ptrdiff_t>(pos + 4),
                   bytes.begin() + static_cast<std::ptrdiff_t>(pos + 8), "IEND"))
      return false;
    if (length + 12 > bytes.size() - pos) return true;  // length, type, data and CRC
    pos += 12 + length;
  }
  return false;
}

// stb's write callback: appends to the std::vector<uint8_t> that `context` points to.
void append_bytes(void* context, void* data, int size) {
  auto* bytes = static_cast<uint8_t*>(data);
  auto* out = static_cast<std::vector<uint8_t>*>(context);
  out->insert(out->end(), bytes, bytes + size);
}

// Atomically (nn/atomic_file.h): a failed write throws naming the file and leaves what `path`
// held before; a link planted at `path` is replaced, not written through.
void write_bytes(const std::filesystem::path& path, const std::vector<uint8_t>& bytes) {
  nn::AtomicFile file(path.string());
  file.write(bytes.data(), bytes.size());
  file.commit();
}

}  // namespace

Image::Image(int w, int h, int c)
    : width(w), height(h), channels(c), pixels(static_cast<size_t>(w) * h * c) {}

std::vector<uint8_t> read_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw DataError(path, "expected a file, found a folder");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path, "cannot open for reading (missing or unreadable)");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw DataError(path, "read error");
  return bytes;
}

Image decode_image(const std::vector<uint8_t>& bytes, const std::filesystem::path& name) {
  if (bytes.empty()) throw DataError(name, "empty file; expected a PNG, JPEG or BMP image");
  if (bytes.size() > static_cast<size_t>(INT32_MAX)) throw DataError(name, "file too large for an image");
  if (const char* corruption = jpeg_corruption(bytes)) throw DataError(name, std::string("corrupt JPEG: ") + corruption);
  if (png_chunk_overruns(bytes)) throw DataError(name, "truncated PNG: a chunk is longer than the rest of the file");
  int w = 0, h = 0, file_channels = 0;
  // stb allocates for the header's dimensions before reading any pixel, so a few bytes could
  // claim gigabytes: the size is checked first.
  if (!stbi_info_from_memory(bytes.data(), static_cast<int>(bytes.size()), &w, &h, &file_channels))
    throw DataError(name, std::string("cannot decode as a PNG, JPEG or BMP image (") + stbi_failure_reason() + ")");
  if (static_cast<int64_t>(w) * h > kMaxImagePixels)
    throw DataError(name, "image of " + std::to_string(w) + "x" + std::to_string(h) + " pixels is larger than the " +
                              std::to_string(kMaxImagePixels) + "-pixel limit; corrupt or not meant as training data");
  // Asking stb for 3 channels replicates grayscale and drops alpha.
  std::unique_ptr<stbi_uc, void (*)(void*)> decoded(
      stbi_load_from_memory(bytes.data(), static_cast<int>(bytes.size()), &w, &h, &file_channels, 3), stbi_image_free);
  if (!decoded)
    throw DataError(name, std::string("cannot decode as a PNG, JPEG or BMP image (") + stbi_failure_reason() + ")");
  // stb accepts a BMP header of height 0 and returns an empty image (found by fuzz_image)
  if (w <= 0 || h <= 0)
    throw DataError(name, "image of " + std::to_string(w) + "x" + std::to_string(h) + " pixels has no pixels to train on");
  Image image(w, h, 3);
  std::copy_n(decoded.get(), image.pixels.size(), image.pixels.begin());
  return image;
}

Image read_image(const std::filesystem::path& path) { return decode_image(read_file(path), path); }

std::vector<uint8_t> encode_png(const Image& image) {
  if (image.channels != 1 && image.channels != 3) throw std::invalid_argument("encode_png: expected 1 or 3 channels");
  std::vector<uint8_t> out;
  if (!stbi_write_png_to_func(append_bytes, &out, image.width, image.height, image.channels, image.pixels.data(),
                              image.width * image.channels))
    throw std::runtime_error("encode_png: stb could not encode a " + std::to_string(image.width) + "x" +
                             std::to_string(image.height) + " image");
  return out;
}

std::vector<uint8_t> encode_jpeg(const Image& image, int quality) {
  if (image.channels != 1 && image.channels != 3) throw std::invalid_argument("encode_jpeg: expected 1 or 3 channels");
  std::vector<uint8_t> out;
  if (!stbi_write_jpg_to_func(append_bytes, &out, image.width, image.height, image.channels, image.pixels.data(), quality))
    throw std::runtime_error("encode_jpeg: stb could not encode a " + std::to_string(image.width) + "x" +
                             std::to_string(image.height) + " image");
  return out;
}

void write_png(const std::filesystem::path& path, const Image& image) { write_bytes(path, encode_png(image)); }

std::optional<ImageFormat> image_format(const std::filesystem::path& path) {
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(), [](unsigned char c) { return std::tolower(c); });
  if (extension == ".png") return ImageFormat::Png;
  if (extension == ".jpg" || extension == ".jpeg") return ImageFormat::Jpeg;
  return std::nullopt;
}

void write_image(const std::filesystem::path& path, const Image& image) {
  const std::optional<ImageFormat> format = image_format(path);
  if (!format)
    throw std::invalid_argument(path.string() + ": cannot tell the image format from the extension; expected " +
                                kImageExtensions);
  write_bytes(path, *format == ImageFormat::Png ? encode_png(image) : encode_jpeg(image));
}

void to_floats(const Image& image, float* out) {
  const size_t plane = static_cast<size_t>(image.width) * image.height;
  for (size_t p = 0; p < plane; ++p)
    for (int c = 0; c < image.channels; ++c)
      out[c * plane + p] = static_cast<float>(image.pixels[p * image.channels + c]) / 127.5f - 1.0f;
}

Tensor to_tensor(const Image& image) {
  Tensor t = empty({image.channels, image.height, image.width});
  to_floats(image, static_cast<float*>(t.data_ptr()));
  return t;
}

Image from_tensor(const Tensor& chw, double low, double high) {
  if (chw.dim() != 3 || (chw.size(0) != 1 && chw.size(0) != 3))
    throw std::invalid_argument("from_tensor: expected a [C, H, W] tensor with C = 1 or 3");
  if (!(high > low)) throw std::invalid_argument("from_tensor: expected low < high");
  std::vector<double> values = chw.to_vector<double>();
  Image image(static_cast<int>(chw.size(2)), static_cast<int>(chw.size(1)), static_cast<int>(chw.size(0)));
  const size_t plane = static_cast<size_t>(image.width) * image.height;
  for (int c = 0; c < image.channels; ++c)
    for (size_t p = 0; p < plane; ++p) {
      double unit = std::clamp((values[c * plane + p] - low) / (high - low), 0.0, 1.0);
      image.pixels[p * image.channels + c] = static_cast<uint8_t>(std::lround(unit * 255.0));
    }
  return image;
}

}  // namespace ganforge::data
