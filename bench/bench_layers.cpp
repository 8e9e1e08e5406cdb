// Batch norm primitives at the DCGAN-64 batch-norm layer shapes, batch 64, on the CPU backends.
//   build/bench/ganforge_bench --benchmark_filter=batch_norm
// GB/s counts the bytes a pass must move at least: forward-train reads x and writes y
// (2 tensors), backward reads dy and x and writes dx (3 tensors); [C] vectors are ignored.
#include <benchmark/benchmark.h>

#include "core/ganforge.h"
#include "kernels/cpu/parallel.h"

namespace ganforge {
namespace {

struct BatchNormData {
  Tensor x, y, dy, dx, gamma, beta, running_mean, running_var, mean, invstd;
  explicit BatchNormData(const Shape& shape) {
    const int64_t c = shape[1];
    x = randn(shape);
    dy = randn(shape);
    y = empty(shape);
    dx = empty(shape);
    gamma = ones({c});
    beta = zeros({c});
    running_mean = zeros({c});
    running_var = ones({c});
    mean = empty({c});
    invstd = empty({c});
  }
};

// args: N, C, H, W, threads
Shape shape_of(const benchmark::State& state) { return {state.range(0), state.range(1), state.range(2), state.range(3)}; }

void set_threads(benchmark::State& state) {
  kernels::cpu::set_max_threads(static_cast<int>(state.range(4)));
  state.counters["threads"] = static_cast<double>(state.range(4));
}

void bytes_per_iteration(benchmark::State& state, const Tensor& x, int tensors) {
  state.counters["GB/s"] = benchmark::Counter(static_cast<double>(tensors) * 4.0 * static_cast<double>(x.numel()) * 1e-9,
                                              benchmark::Counter::kIsIterationInvariantRate);
}

void BM_batch_norm_forward_train(benchmark::State& state, const char* backend) {
  set_threads(state);
  BatchNormData d(shape_of(state));
  kernels::Backend& b = kernels::find_backend(backend);
  for (auto _ : state)
    b.batch_norm_forward_train(describe(d.x), describe(d.gamma), describe(d.beta), describe(d.running_mean),
                               describe(d.running_var), 0.1, 1e-5, describe(d.y), describe(d.mean), describe(d.invstd));
  bytes_per_iteration(state, d.x, 2);
}

void BM_batch_norm_backward(benchmark::State& state, const char* backend) {
  set_threads(state);
  BatchNormData d(shape_of(state));
  kernels::Backend& b = kernels::find_backend(backend);
  b.batch_norm_forward_train(describe(d.x), describe(d.gamma), describe(d.beta), describe(d.running_mean),
                             describe(d.running_var), 0.1, 1e-5, describe(d.y), describe(d.mean), describe(d.invstd));
  Tensor dgamma = empty({d.x.size(1)}), dbeta = empty({d.x.size(1)});
  for (auto _ : state)
    b.batch_norm_backward(describe(d.dy), describe(d.x), describe(d.gamma), describe(d.mean), describe(d.invstd),
                          describe(d.dx), describe(dgamma), describe(dbeta));
  bytes_per_iteration(state, d.x, 3);
}

// The batch-norm layers of DCGAN-64 at batch 64: D (after its 2nd-4th convs) and G (after
// its 1st-4th transposed convs); [64, 256, 8, 8] and [64, 512, 4, 4] occur in both.
void dcgan_shapes(benchmark::internal::Benchmark* b) {
  for (int threads : {1, 2})
    for (auto [c, hw] : {std::pair{128, 16}, {256, 8}, {512, 4}, {64, 32}}) b->Args({64, c, hw, hw, threads});
}

BENCHMARK_CAPTURE(BM_batch_norm_forward_train, cpu, "cpu")->Apply(dcgan_shapes)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_batch_norm_backward, cpu, "cpu")->Apply(dcgan_shapes)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_batch_norm_forward_train, reference, "reference")->Args({64, 128, 16, 16, 1})->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_batch_norm_backward, reference, "reference")->Args({64, 128, 16, 16, 1})->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace ganforge
