#include "gan/data/random.h"

#include "core/random.h"

namespace ganforge::data {

uint32_t SampleRng::next_u32() {
  // Counter words 0-1: the stream; words 2-3: the draw number (four words per block).
  uint64_t block = draw_ / 4;
  const std::array<uint32_t, 4> out = philox4x32({static_cast<uint32_t>(stream_), static_cast<uint32_t>(stream_ >> 32),
                                                  static_cast<uint32_t>(block), static_cast<uint32_t>(block >> 32)},
                                                 seed_);
  return out[draw_++ % 4];
}

double SampleRng::uniform() {
  uint64_t hi = next_u32(), lo = next_u32();
  return static_cast<double>(((hi << 32) | lo) >> 11) * (1.0 / 9007199254740992.0);
}

int64_t SampleRng::below(int64_t n) {
  int64_t k = static_cast<int64_t>(uniform() * static_cast<double>(n));
  return k < n ? k : n - 1;
}

}  // namespace ganforge::data
