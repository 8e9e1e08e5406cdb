#include "nn/safetensors.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/shape.h"
#include "nn/atomic_file.h"

// XXH3, not SHA-256: the digest finds damage (a flipped bit, a torn copy), not forgery, since
// whoever can change the bytes can also rewrite the digest beside them. XXH3 hashes tens of
// GB/s on one core, SHA-256 one to two with the SHA extensions, so every checkpoint written
// and loaded pays next to nothing.
#include "nn/xxhash.h"

namespace ganforge::nn {
namespace {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian; this host is not");

constexpr uint64_t kMaxHeaderBytes = 100u << 20;  // the limit of the reference implementation
// A header is an object of tensor objects whose shapes are arrays of integers: nesting at
// depth 3 at most. Deeper JSON is refused while it is parsed, before it costs memory.
constexpr int kMaxHeaderDepth = 3;
constexpr const char* kDigestKey = "digest";
constexpr const char* kDigestAlgorithm = "xxh3-128";
const std::string kDigestPrefix = "digest.";

const char* format_name(DType dtype) {
  switch (dtype) {
    case DType::F32: return "F32";
    case DType::F64: return "F64";
    case DType::I64: return "I64";
  }
  return "?";
}

[[noreturn]] void bad(const std::string& file, const std::string& problem) {
  throw SafetensorsError("safetensors file '" + file + "': " + problem);
}

// A JSON value that is not what was expected, for an error message: numbers as they are,
// anything else by its type only (never a string or array from the file, which may be huge).
std::string describe(const nlohmann::json& v) {
  if (v.is_number() || v.is_null()) return v.dump();
  return (v.is_object() || v.is_array() ? "an " : "a ") + std::string(v.type_name());
}

DType parse_dtype(const std::string& file, const std::string& key, const nlohmann::json& v) {
  if (!v.is_string()) bad(file, "tensor '" + key + "': dtype must be a string; got " + describe(v));
  const std::string& text = v.get_ref<const std::string&>();
  if (text == "F32") return DType::F32;
  if (text == "F64") return DType::F64;
  if (text == "I64") return DType::I64;
  bad(file, "tensor '" + key + "' has dtype '" + text.substr(0, 16) + "'; GANForge reads F32, F64 and I64");
}

uint64_t checked_uint(const std::string& file, const std::string& what, const nlohmann::json& v) {
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0))
    bad(file, what + " must be a non-negative integer; got " + describe(v));
  return v.get<uint64_t>();
}

std::string digest_of(const char* data, size_t bytes) {
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, XXH3_128bits(data, bytes));
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char byte : canonical.digest) {
    out += hex[byte >> 4];
    out += hex[byte & 15];
  }
  return out;
}

// One tensor of a header, validated, before any of its data is copied.
struct Entry {
  std::string key;
  DType dtype;
  Shape shape;
  uint64_t begin, end;
};

Entry parse_entry(const std::string& file, const std::string& key, const nlohmann::json& entry, uint64_t data_bytes) {
  const std::string what = "tensor '" + key + "'";
  if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") || !entry.contains("data_offsets"))
    bad(file, what + " must be an object with dtype, shape and data_offsets");
  Entry out{key, parse_dtype(file, key, entry["dtype"]), {}, 0, 0};
  const auto& shape_json = entry["shape"];
  const auto& offsets = entry["data_offsets"];
  if (!shape_json.is_array()) bad(file, what + ": shape must be an array; got " + describe(shape_json));
  if (shape_json.size() > static_cast<size_t>(kMaxTensorDims))
    bad(file, what + " has " + std::to_string(shape_json.size()) + " dims; at most " + std::to_string(kMaxTensorDims));
  if (!offsets.is_array() || offsets.size() != 2) bad(file, what + ": data_offsets must be [begin, end]");
  // The product of the non-zero sizes is bounded too: the tensor's strides are made of it.
  uint64_t product = 1;
  bool has_zero = false;
  for (const auto& d : shape_json) {
    const uint64_t size = checked_uint(file, what + " shape entries", d);
    if (size > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
        (size != 0 && product > std::numeric_limits<uint64_t>::max() / 16 / size))
      bad(file, what + ": the shape has more elements than any file can hold");
    has_zero = has_zero || size == 0;
    product *= std::max<uint64_t>(size, 1);
    out.shape.push_back(static_cast<int64_t>(size));
  }
  const uint64_t numel = has_zero ? 0 : product;
  out.begin = checked_uint(file, what + " data_offsets", offsets[0]);
  out.end = checked_uint(file, what + " data_offsets", offsets[1]);
  if (out.begin > out.end || out.end > data_bytes)
    bad(file, what + ": data_offsets [" + std::to_string(out.begin) + ", " + std::to_string(out.end) + ") are outside the " +
                  std::to_string(data_bytes) + " data bytes");
  const uint64_t expected = numel * dtype_size(out.dtype);
  if (out.end - out.begin != expected)
    bad(file, what + " holds " + std::to_string(out.end - out.begin) + " bytes, but dtype " + format_name(out.dtype) +
                  " and shape " + shape_str(out.shape) + " need " + std::to_string(expected));
  return out;
}

// Checks every tensor against its digest and moves the digests out of `metadata`. Without any
// digest entry the file is one written without them, and loads unverified (returns false).
bool verify_digests(const std::string& file, Metadata& metadata, const std::vector<Entry>& entries, const char* data) {
  std::map<std::string, std::string> digests;
  for (auto it = metadata.begin(); it != metadata.end();) {
    if (it->first.rfind(kDigestPrefix, 0) != 0) {
      ++it;
      continue;
    }
    digests[it->first.substr(kDigestPrefix.size())] = it->second;
    it = metadata.erase(it);
  }
  const auto algorithm = metadata.find(kDigestKey);
  if (algorithm == metadata.end()) {
    if (!digests.empty()) bad(file, "__metadata__ holds tensor digests but no \"digest\" entry naming their algorithm: the header is damaged");
    return false;
  }
  if (algorithm->second != kDigestAlgorithm)
    bad(file, "__metadata__ \"digest\" names an algorithm other than " + std::string(kDigestAlgorithm) +
                  ", the one GANForge knows");
  metadata.erase(algorithm);
  for (const Entry& e : entries) {
    const auto digest = digests.find(e.key);
    if (digest == digests.end()) bad(file, "tensor '" + e.key + "' has no digest, though the file's other tensors do: the header is damaged");
    if (digest->second != digest_of(data + e.begin, e.end - e.begin))
      bad(file, "tensor '" + e.key + "': its bytes do not match their " + kDigestAlgorithm + " digest: the file is damaged");
    digests.erase(digest);
  }
  if (!digests.empty()) bad(file, "__metadata__ holds a digest of '" + digests.begin()->first + "', which is no tensor of the file");
  return true;
}

}  // namespace

std::string encode_safetensors(const StateDict& tensors, const Metadata& metadata) {
  Metadata with_digests = metadata;
  for (const auto& [key, value] : metadata)
    if (key == kDigestKey || key.rfind(kDigestPrefix, 0) == 0)
      throw std::invalid_argument("save_safetensors: the metadata key '" + key + "' is reserved for the tensor digests");
  with_digests[kDigestKey] = kDigestAlgorithm;
  nlohmann::json header = nlohmann::json::object();
  std::vector<Tensor> host;
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {  // std::map: sorted by name
    if (name == "__metadata__") throw std::invalid_argument("save_safetensors: '__metadata__' is reserved, not a tensor name");
    if (!t.defined()) throw std::invalid_argument("save_safetensors: tensor '" + name + "' is undefined");
    Tensor h = t.detach().to(Device{}).contiguous();
    const uint64_t bytes = static_cast<uint64_t>(h.numel()) * dtype_size(h.dtype());
    header[name] = {{"dtype", format_name(h.dtype())}, {"shape", h.shape()}, {"data_offsets", {offset, offset + bytes}}};
    with_digests[kDigestPrefix + name] = digest_of(static_cast<const char*>(h.data_ptr()), bytes);
    offset += bytes;
    host.push_back(h);
  }
  header["__metadata__"] = with_digests;
  std::string json = header.dump();
  json.append((8 - json.size() % 8) % 8, ' ');  // keeps the data 8-byte aligned, as the reference writer does
  std::string out(8, '\0');
  const uint64_t length = json.size();
  std::memcpy(out.data(), &length, 8);
  out += json;
  out.reserve(out.size() + offset);
  for (const Tensor& h : host)
    out.append(static_cast<const char*>(h.data_ptr()), static_cast<size_t>(h.numel()) * dtype_size(h.dtype()));
  return out;
}

void save_safetensors(const std::string& path, const StateDict& tensors, const Metadata& metadata) {
  write_file_atomically(path, encode_safetensors(tensors, metadata));
}

SafetensorsFile decode_safetensors(const std::string& bytes, const std::string& file) {
  if (bytes.size() < 8) bad(file, "truncated: " + std::to_string(bytes.size()) + " bytes, shorter than the 8-byte header length");
  uint64_t length = 0;
  std::memcpy(&length, bytes.data(), 8);
  if (length > bytes.size() - 8)
    bad(file, "the header length " + std::to_string(length) + " runs past the end of the file (" + std::to_string(bytes.size()) +
                  " bytes): truncated or not a safetensors file");
  if (length > kMaxHeaderBytes) bad(file, "the header length " + std::to_string(length) + " exceeds 100 MiB");
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(length),
                                   [&](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
                                     if (depth > kMaxHeaderDepth) bad(file, "the header nests JSON deeper than a safetensors header");
                                     return true;
                                   });
  } catch (const nlohmann::json::parse_error& e) {
    // Where, not what: the bytes of a file that is not JSON are not for the error message.
    bad(file, "the header is not valid JSON (at byte " + std::to_string(8 + e.byte) + ")");
  } catch (const nlohmann::json::exception&) {  // a number past the range of a double
    bad(file, "the header is not valid JSON (a number out of range)");
  }
  if (!header.is_object()) bad(file, "the header must be a JSON object; got " + describe(header));
  const uint64_t data_bytes = bytes.size() - 8 - length;
  const char* data = bytes.data() + 8 + length;

  SafetensorsFile out;
  std::vector<Entry> entries;
  for (const auto& [key, entry] : header.items()) {
    if (key != "__metadata__") {
      entries.push_back(parse_entry(file, key, entry, data_bytes));
      continue;
    }
    if (!entry.is_object()) bad(file, "__metadata__ must be an object of strings; got " + describe(entry));
    for (const auto& [k, v] : entry.items()) {
      if (!v.is_string()) bad(file, "__metadata__ value of '" + k + "' must be a string; got " + describe(v));
      out.metadata[k] = v.get<std::string>();
    }
  }
  // The data must be covered exactly once: no overlaps, no holes (as the reference reader).
  // Checked before any tensor is allocated, so that tensors sharing bytes cannot multiply them.
  std::vector<const Entry*> spans;
  for (const Entry& e : entries) spans.push_back(&e);
  std::sort(spans.begin(), spans.end(),
            [](const Entry* a, const Entry* b) { return a->begin < b->begin || (a->begin == b->begin && a->end < b->end); });
  uint64_t covered = 0;
  for (const Entry* s : spans) {
    if (s->begin < covered) bad(file, "tensor '" + s->key + "' overlaps the data of another tensor");
    if (s->begin > covered)
      bad(file, "data bytes [" + std::to_string(covered) + ", " + std::to_string(s->begin) + ") belong to no tensor");
    covered = s->end;
  }
  if (covered != data_bytes)
    bad(file, "data bytes [" + std::to_string(covered) + ", " + std::to_string(data_bytes) + ") belong to no tensor");
  out.verified = verify_digests(file, out.metadata, entries, data);

  for (const Entry& e : entries) {
    Tensor t = empty(e.shape, TensorOptions{}.with_dtype(e.dtype));
    if (e.end > e.begin) std::memcpy(t.data_ptr(), data + e.begin, e.end - e.begin);
    out.tensors[e.key] = t;
  }
  return out;
}

SafetensorsFile load_safetensors(const std::string& path) {
  std::string bytes;
  try {
    bytes = read_regular_file(path, kMaxSafetensorsBytes);
  } catch (const FileError& e) {
    throw SafetensorsError(std::string("safetensors file ") + e.what());
  }
  return decode_safetensors(bytes, path);
}

}  // namespace ganforge::nn
