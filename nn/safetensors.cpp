#include "nn/safetensors.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/shape.h"
#include "nn/atomic_file.h"

namespace ganforge::nn {
namespace {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian; this host is not");

constexpr uint64_t kMaxHeaderBytes = 100u << 20;  // the limit of the reference implementation

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

DType parse_dtype(const std::string& file, const std::string& key, const std::string& text) {
  if (text == "F32") return DType::F32;
  if (text == "F64") return DType::F64;
  if (text == "I64") return DType::I64;
  bad(file, "tensor '" + key + "' has dtype '" + text + "'; GANForge reads F32, F64 and I64");
}

uint64_t checked_uint(const std::string& file, const std::string& what, const nlohmann::json& v) {
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0))
    bad(file, what + " must be a non-negative integer; got " + v.dump());
  return v.get<uint64_t>();
}

}  // namespace

std::string encode_safetensors(const StateDict& tensors, const Metadata& metadata) {
  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<Tensor> host;
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {  // std::map: sorted by name
    if (name == "__metadata__") throw std::invalid_argument("save_safetensors: '__metadata__' is reserved, not a tensor name");
    if (!t.defined()) throw std::invalid_argument("save_safetensors: tensor '" + name + "' is undefined");
    Tensor h = t.detach().to(Device{}).contiguous();
    const uint64_t bytes = static_cast<uint64_t>(h.numel()) * dtype_size(h.dtype());
    header[name] = {{"dtype", format_name(h.dtype())}, {"shape", h.shape()}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    host.push_back(h);
  }
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
    header = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(length));
  } catch (const nlohmann::json::exception& e) {
    bad(file, std::string("the header is not valid JSON: ") + e.what());
  }
  if (!header.is_object()) bad(file, "the header must be a JSON object; got " + std::string(header.type_name()));
  const uint64_t data_bytes = bytes.size() - 8 - length;
  const char* data = bytes.data() + 8 + length;

  SafetensorsFile out;
  struct Span {
    uint64_t begin, end;
    std::string key;
  };
  std::vector<Span> spans;
  for (const auto& [key, entry] : header.items()) {
    if (key == "__metadata__") {
      if (!entry.is_object()) bad(file, "__metadata__ must be an object of strings");
      for (const auto& [k, v] : entry.items()) {
        if (!v.is_string()) bad(file, "__metadata__ value of '" + k + "' must be a string; got " + v.dump());
        out.metadata[k] = v.get<std::string>();
      }
      continue;
    }
    const std::string what = "tensor '" + key + "'";
    if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") || !entry.contains("data_offsets"))
      bad(file, what + " must be an object with dtype, shape and data_offsets");
    if (!entry["dtype"].is_string()) bad(file, what + ": dtype must be a string");
    const DType dtype = parse_dtype(file, key, entry["dtype"].get<std::string>());
    const auto& shape_json = entry["shape"];
    const auto& offsets = entry["data_offsets"];
    if (!shape_json.is_array()) bad(file, what + ": shape must be an array");
    if (!offsets.is_array() || offsets.size() != 2) bad(file, what + ": data_offsets must be [begin, end]");
    Shape shape;
    uint64_t numel = 1;
    for (const auto& d : shape_json) {
      const uint64_t size = checked_uint(file, what + " shape entries", d);
      if (size > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) bad(file, what + ": shape " + shape_json.dump() + " is too large");
      if (size != 0 && numel > std::numeric_limits<uint64_t>::max() / 16 / size)
        bad(file, what + ": shape " + shape_json.dump() + " is too large");
      numel *= size;
      shape.push_back(static_cast<int64_t>(size));
    }
    if (shape.size() > static_cast<size_t>(kMaxTensorDims))
      bad(file, what + " has " + std::to_string(shape.size()) + " dims; at most " + std::to_string(kMaxTensorDims));
    const uint64_t begin = checked_uint(file, what + " data_offsets", offsets[0]);
    const uint64_t end = checked_uint(file, what + " data_offsets", offsets[1]);
    if (begin > end || end > data_bytes)
      bad(file, what + ": data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) + ") are outside the " +
                    std::to_string(data_bytes) + " data bytes");
    const uint64_t expected = numel * dtype_size(dtype);
    if (end - begin != expected)
      bad(file, what + " holds " + std::to_string(end - begin) + " bytes, but dtype " + format_name(dtype) + " and shape " +
                    shape_json.dump() + " need " + std::to_string(expected));
    Tensor t = empty(shape, TensorOptions{}.with_dtype(dtype));
    if (expected > 0) std::memcpy(t.data_ptr(), data + begin, expected);
    out.tensors[key] = t;
    spans.push_back({begin, end, key});
  }
  // The data must be covered exactly once: no overlaps, no holes (as the reference reader).
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.begin < b.begin || (a.begin == b.begin && a.end < b.end); });
  uint64_t covered = 0;
  for (const Span& s : spans) {
    if (s.begin < covered) bad(file, "tensor '" + s.key + "' overlaps the data of another tensor");
    if (s.begin > covered)
      bad(file, "data bytes [" + std::to_string(covered) + ", " + std::to_string(s.begin) + ") belong to no tensor");
    covered = s.end;
  }
  if (covered != data_bytes)
    bad(file, "data bytes [" + std::to_string(covered) + ", " + std::to_string(data_bytes) + ") belong to no tensor");
  return out;
}

SafetensorsFile load_safetensors(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SafetensorsError("safetensors file '" + path + "': cannot open it for reading");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw SafetensorsError("safetensors file '" + path + "': read error");
  return decode_safetensors(bytes, path);
}

}  // namespace ganforge::nn
