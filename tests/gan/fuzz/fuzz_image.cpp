// decode_image (the in-memory decoder read_image uses) on arbitrary bytes: either an RGB
// image of consistent size, or a DataError. Anything else — a crash, a sanitizer report
// (stb_image is built instrumented), another exception, an allocation beyond
// -malloc_limit_mb — is a finding.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "gan/data/error.h"
#include "gan/data/image.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    ganforge::data::Image image = ganforge::data::decode_image(std::vector<uint8_t>(data, data + size), "fuzz-input");
    if (image.width <= 0 || image.height <= 0 || image.channels != 3 ||
        image.pixels.size() != static_cast<size_t>(image.width) * image.height * 3)
      std::abort();
  } catch (const ganforge::data::DataError&) {
  }
  return 0;
}
