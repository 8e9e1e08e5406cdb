// The safetensors format (what PyTorch's safetensors package reads and writes): an 8-byte
// little-endian header length N, N bytes of JSON {"name": {"dtype": "F32", "shape": [...],
// "data_offsets": [begin, end]}, ..., "__metadata__": {"key": "value"}}, then the raw
// little-endian tensor data, each tensor's bytes at [begin, end) of the data that follows.
//
// GANForge reads and writes F32, F64 and I64 tensors. Loading validates everything before
// trusting it: a truncated file, a header length past the end, invalid JSON, an unknown
// dtype, offsets out of range, overlapping or leaving holes, and sizes that disagree with
// dtype x shape are each one SafetensorsError naming the file and the problem.
//
// Digests: GANForge writes a digest of each tensor's bytes into the metadata, as strings that
// other readers ignore ("digest": "xxh3-128", "digest.<tensor name>": 32 hex digits), and
// checks them on load: a changed byte is a SafetensorsError naming the file and the tensor.
// A file without digests (written by PyTorch, or by GANForge before it wrote them) loads
// unverified; `verified` says which. The keys "digest" and "digest.*" are reserved.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>

#include "nn/module.h"

namespace ganforge::nn {

struct SafetensorsError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

using Metadata = std::map<std::string, std::string>;

// Tensors on any device (copied to the host to write), written atomically.
void save_safetensors(const std::string& path, const StateDict& tensors, const Metadata& metadata = {});

struct SafetensorsFile {
  StateDict tensors;  // on the CPU
  Metadata metadata;  // without the digests
  bool verified = false;  // every tensor matched its digest; false: the file has no digests
};
// Files larger than this are refused unread: 9x the largest file of the reference recipes
// (pix2pix at 256 px: 460 MB of Adam moments).
constexpr uint64_t kMaxSafetensorsBytes = uint64_t{4} << 30;
// `path` must be a regular file (not a link, FIFO or device) of at most kMaxSafetensorsBytes.
SafetensorsFile load_safetensors(const std::string& path);

// The same, from bytes in memory (used by load_safetensors, and by tests and fuzzers).
std::string encode_safetensors(const StateDict& tensors, const Metadata& metadata = {});
SafetensorsFile decode_safetensors(const std::string& bytes, const std::string& name = "<memory>");

}  // namespace ganforge::nn
