// Per-example random numbers for shuffling and augmentation: Philox4x32-10 keyed by the
// loader's seed, with a stream number (epoch and position) in the counter. An example's
// random choices depend only on (seed, stream), never on which worker thread draws them.
#pragma once

#include <cstdint>

namespace ganforge::data {

class SampleRng {
 public:
  SampleRng(uint64_t seed, uint64_t stream) : seed_(seed), stream_(stream) {}
  uint32_t next_u32();
  double uniform();                    // [0, 1)
  int64_t below(int64_t n);            // uniform in [0, n); n > 0
  bool coin() { return uniform() < 0.5; }

 private:
  uint64_t seed_;
  uint64_t stream_;
  uint64_t draw_ = 0;
};

// Streams for the two uses, kept apart so that no shuffle shares numbers with augmentation.
inline uint64_t shuffle_stream(uint64_t epoch) { return (1ull << 63) | epoch; }
inline uint64_t example_stream(uint64_t epoch, uint64_t position) { return (epoch << 36) | position; }

}  // namespace ganforge::data
