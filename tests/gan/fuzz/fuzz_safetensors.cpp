// load_safetensors (the capped read of a regular file, then the header JSON, offsets, dtypes,
// shapes and digests) on arbitrary bytes: either tensors and metadata that encode to a file
// that decodes, verified, to the same again, or a SafetensorsError. Anything else — a crash,
// a sanitizer report, another exception, an allocation beyond -malloc_limit_mb — is a finding.
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "input_file.h"
#include "nn/safetensors.h"

namespace {

bool same(const ganforge::Tensor& a, const ganforge::Tensor& b) {
  const size_t bytes = static_cast<size_t>(a.numel()) * ganforge::dtype_size(a.dtype());
  return a.dtype() == b.dtype() && a.shape() == b.shape() && (bytes == 0 || std::memcmp(a.data_ptr(), b.data_ptr(), bytes) == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ganforge::nn;
  static ganforge::fuzz::InputFile file("fuzz_safetensors");
  try {
    const SafetensorsFile loaded = load_safetensors(file.write(data, size).string());
    const SafetensorsFile again = decode_safetensors(encode_safetensors(loaded.tensors, loaded.metadata));
    if (!again.verified || again.metadata != loaded.metadata || again.tensors.size() != loaded.tensors.size()) std::abort();
    for (const auto& [name, t] : loaded.tensors)
      if (!again.tensors.count(name) || !same(t, again.tensors.at(name))) std::abort();
  } catch (const SafetensorsError&) {
  }
  return 0;
}
