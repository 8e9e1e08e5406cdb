// read_idx on arbitrary bytes (plain or gzip, which zlib tells apart by the gzip magic):
// the result is a consistent array, or the reader throws DataError. Anything else — a
// crash, a sanitizer report, another exception, an allocation beyond -malloc_limit_mb — is
// a finding.
#include <cstdint>
#include <cstdlib>

#include "gan/data/error.h"
#include "gan/data/idx.h"
#include "input_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static ganforge::fuzz::InputFile file("fuzz_idx");
  try {
    ganforge::data::IdxArray array = ganforge::data::read_idx(file.write(data, size));
    uint64_t count = 1;
    for (int64_t d : array.dims) {
      if (d < 0) std::abort();
      count *= static_cast<uint64_t>(d);
    }
    if (array.dims.empty() || array.data.size() != count) std::abort();
  } catch (const ganforge::data::DataError&) {
  }
  return 0;
}
