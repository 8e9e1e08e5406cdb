#include "core/random.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "core/dispatch.h"
#include "kernels/philox.h"

namespace ganforge {

Generator& default_generator() {
  static Generator generator(0);
  return generator;
}

void manual_seed(uint64_t seed) { default_generator().set_state(seed, 0); }

void Generator::set_shard(int rank, int world) {
  if (world < 1 || rank < 0 || rank >= world)
    throw std::invalid_argument("Generator::set_shard: rank " + std::to_string(rank) + " of world " + std::to_string(world) +
                                "; expected 0 <= rank < world");
  rank_ = rank;
  world_ = world;
}

uint64_t Generator::take(uint64_t values, uint64_t per_block) {
  const uint64_t first = offset_;
  const uint64_t world = static_cast<uint64_t>(world_), rank = static_cast<uint64_t>(rank_);
  if (values % per_block == 0) {
    offset_ += world * values / per_block;
    return first + rank * values / per_block;
  }
  const uint64_t blocks = (values + per_block - 1) / per_block;
  offset_ += world * blocks;
  return first + rank * blocks;
}

namespace {

// A fresh Philox range for a fill of n values laid out per block as for `layout`
// (integers always take two values per block, whatever the output dtype).
kernels::PhiloxState next_state(DType layout, int64_t n, Generator* gen) {
  Generator& g = gen != nullptr ? *gen : default_generator();
  return {g.seed(), g.take(static_cast<uint64_t>(n), static_cast<uint64_t>(philox::elements_per_block(layout)))};
}

Tensor finish(Tensor t, const TensorOptions& options) {
  if (options.requires_grad) t.requires_grad_();
  return t;
}

}  // namespace

Tensor rand(const Shape& shape, const TensorOptions& options, Generator* gen, double low, double high) {
  if (!is_floating(options.dtype)) throw std::invalid_argument("rand: dtype must be f32 or f64; use randint for integers");
  Tensor t = empty(shape, options.with_requires_grad(false));
  backend_for(t.device()).random_uniform(describe(t), next_state(t.dtype(), t.numel(), gen), low, high);
  return finish(t, options);
}

Tensor randn(const Shape& shape, const TensorOptions& options, Generator* gen, double mean, double stddev) {
  if (!is_floating(options.dtype)) throw std::invalid_argument("randn: dtype must be f32 or f64");
  Tensor t = empty(shape, options.with_requires_grad(false));
  backend_for(t.device()).random_normal(describe(t), next_state(t.dtype(), t.numel(), gen), mean, stddev);
  return finish(t, options);
}

Tensor randint(int64_t low, int64_t high, const Shape& shape, const TensorOptions& options, Generator* gen) {
  if (high <= low)
    throw std::invalid_argument("randint: empty range [" + std::to_string(low) + ", " + std::to_string(high) + ")");
  Tensor t = empty(shape, options.with_requires_grad(false));
  backend_for(t.device()).random_int(describe(t), next_state(DType::I64, t.numel(), gen), low, high);
  return finish(t, options);
}

Tensor randperm(int64_t n, Generator* gen) {
  if (n < 0) throw std::invalid_argument("randperm: n must be >= 0");
  std::vector<double> keys = rand({n}, TensorOptions{}.with_dtype(DType::F64), gen).to_vector<double>();
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return keys[a] < keys[b]; });
  return from_vector(order, {n});
}

std::array<uint32_t, 4> philox4x32(const std::array<uint32_t, 4>& counter, uint64_t seed) {
  const philox::Block out = philox::philox4x32_10(philox::Block{{counter[0], counter[1], counter[2], counter[3]}},
                                                  static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32));
  return {out.w[0], out.w[1], out.w[2], out.w[3]};
}

}  // namespace ganforge
