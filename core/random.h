// Random tensors from Philox4x32-10 (kernels/philox.h). A Generator is a seed plus the next
// unused Philox counter; each fill takes a fresh counter range, so results depend only on
// the seed and the sequence of calls, never on the backend or thread count.
#pragma once

#include <array>
#include <cstdint>

#include "core/tensor.h"

namespace ganforge {

class Generator {
 public:
  explicit Generator(uint64_t seed = 0) : seed_(seed) {}
  uint64_t seed() const { return seed_; }
  uint64_t offset() const { return offset_; }
  void set_state(uint64_t seed, uint64_t offset) {
    seed_ = seed;
    offset_ = offset;
  }
  // Data-parallel training (dist/): replica `rank` of `world` takes, of every fill of n values,
  // the rank-th n-value slice of one fill of world·n values. A batch-major draw ([B, ...] noise)
  // on `world` replicas of batch B is then the single-process draw of batch world·B, split by
  // rank, and every replica's offset stays the same. A fill whose slices do not start on a
  // Philox block still gets a range of its own on each replica.
  void set_shard(int rank, int world);
  // Returns the first counter for a fill of `values` values, `per_block` of them per counter.
  uint64_t take(uint64_t values, uint64_t per_block);

 private:
  uint64_t seed_;
  uint64_t offset_ = 0;
  int rank_ = 0, world_ = 1;
};

Generator& default_generator();
void manual_seed(uint64_t seed);  // reseeds the default generator

// U[low, high)
Tensor rand(const Shape& shape, const TensorOptions& options = {}, Generator* gen = nullptr, double low = 0,
            double high = 1);
// N(mean, stddev^2)
Tensor randn(const Shape& shape, const TensorOptions& options = {}, Generator* gen = nullptr, double mean = 0,
             double stddev = 1);
// Integers uniform in [low, high); dtype i64 unless options say otherwise.
Tensor randint(int64_t low, int64_t high, const Shape& shape,
               const TensorOptions& options = TensorOptions{}.with_dtype(DType::I64), Generator* gen = nullptr);
// A random permutation of 0..n-1 (i64), from one Philox fill.
Tensor randperm(int64_t n, Generator* gen = nullptr);

// One Philox4x32-10 block: the four words of `counter` under the key `seed`, for code that
// draws its own streams (gan/data's per-example numbers).
std::array<uint32_t, 4> philox4x32(const std::array<uint32_t, 4>& counter, uint64_t seed);

}  // namespace ganforge
