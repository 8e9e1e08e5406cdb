// CifarBinaryDataset on one file of arbitrary bytes: either a data set whose examples all
// read back as labelled 32x32 RGB images, or a DataError. Anything else — a crash, a
// sanitizer report, another exception — is a finding.
#include <cstdint>
#include <cstdlib>

#include "gan/data/cifar.h"
#include "gan/data/error.h"
#include "input_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using ganforge::data::CifarBinaryDataset;
  static ganforge::fuzz::InputFile file("fuzz_cifar");
  try {
    CifarBinaryDataset dataset({file.write(data, size)});
    if (dataset.size() <= 0 || static_cast<size_t>(dataset.size()) * CifarBinaryDataset::kRecordBytes != size)
      std::abort();
    ganforge::data::SampleRng rng(0, 0);
    for (int64_t i = 0; i < dataset.size(); ++i) {
      ganforge::data::Example example = dataset.get(i, rng);
      const ganforge::data::Image& image = example.images.at(0);
      if (example.label < 0 || example.label > 9 || image.width != 32 || image.height != 32 ||
          image.channels != 3 || image.pixels.size() != 32 * 32 * 3)
        std::abort();
    }
  } catch (const ganforge::data::DataError&) {
  }
  return 0;
}
