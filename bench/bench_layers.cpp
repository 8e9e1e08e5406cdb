// Batch norm primitives at the DCGAN-64 batch-norm layer shapes, batch 64, on the CPU backends.
//   build/bench/ganforge_bench --benchmark_filter=batch_norm
// GB/s counts the bytes a pass must move at least: forward-train reads x and writes y
// (2 tensors), backward reads dy and x and writes dx (3 tensors); [C] vectors are ignored.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <string>
#include <vector>

#include "bench/onednn_batch_norm.h"
#include "core/ganforge.h"
#include "kernels/cpu/parallel.h"
#include "kernels/registry.h"

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

void set_threads(benchmark::State& state, int threads) {
  kernels::cpu::set_max_threads(threads);
  omp_set_num_threads(threads);  // oneDNN's OpenMP pool
  state.counters["threads"] = threads;
}

void bytes_per_iteration(benchmark::State& state, const Shape& shape, int tensors) {
  state.counters["GB/s"] = benchmark::Counter(static_cast<double>(tensors) * 4.0 * static_cast<double>(shape_numel(shape)) * 1e-9,
                                              benchmark::Counter::kIsIterationInvariantRate);
}

void forward_train(benchmark::State& state, Shape shape, int threads, const char* backend) {
  set_threads(state, threads);
  BatchNormData d(shape);
  kernels::Backend& b = kernels::find_backend(backend);
  for (auto _ : state)
    b.batch_norm_forward_train(describe(d.x), describe(d.gamma), describe(d.beta), describe(d.running_mean),
                               describe(d.running_var), 0.1, 1e-5, describe(d.y), describe(d.mean), describe(d.invstd));
  bytes_per_iteration(state, shape, 2);
}

void backward(benchmark::State& state, Shape shape, int threads, const char* backend) {
  set_threads(state, threads);
  BatchNormData d(shape);
  kernels::Backend& b = kernels::find_backend(backend);
  b.batch_norm_forward_train(describe(d.x), describe(d.gamma), describe(d.beta), describe(d.running_mean),
                             describe(d.running_var), 0.1, 1e-5, describe(d.y), describe(d.mean), describe(d.invstd));
  Tensor dgamma = empty({shape[1]}), dbeta = empty({shape[1]});
  for (auto _ : state)
    b.batch_norm_backward(describe(d.dy), describe(d.x), describe(d.gamma), describe(d.mean), describe(d.invstd),
                          describe(d.dx), describe(dgamma), describe(dbeta));
  bytes_per_iteration(state, shape, 3);
}

void onednn(benchmark::State& state, Shape shape, int threads, bool is_backward) {
  set_threads(state, threads);
  bench::OnednnBatchNorm bn(shape[0], shape[1], shape[2], shape[3], is_backward);
  for (auto _ : state) bn.run();
  bytes_per_iteration(state, shape, is_backward ? 3 : 2);
}

// The batch-norm layers of DCGAN-64 at batch 64: D (after its 2nd-4th convs) and G (after
// its 1st-4th transposed convs); [64, 256, 8, 8] and [64, 512, 4, 4] occur in both. Each
// runs on the cpu backend and on oneDNN, named ".../ganforge" and ".../onednn" so that the
// closing table of ganforge_bench pairs them; the reference backend runs one shape.
const bool registered = [] {
  for (int threads : {1, 2})
    for (auto [c, hw] : {std::pair{128, 16}, {256, 8}, {512, 4}, {64, 32}}) {
      const Shape shape{64, c, hw, hw};
      for (bool is_backward : {false, true}) {
        const std::string stem = "batch_norm/" + shape_str(shape) + (is_backward ? "/backward" : "/forward-train") +
                                 "/threads:" + std::to_string(threads);
        benchmark::RegisterBenchmark((stem + "/ganforge").c_str(), is_backward ? backward : forward_train, shape, threads, "cpu")
            ->Unit(benchmark::kMicrosecond)->UseRealTime();
        benchmark::RegisterBenchmark((stem + "/onednn").c_str(), onednn, shape, threads, is_backward)
            ->Unit(benchmark::kMicrosecond)->UseRealTime();
        if (threads == 1 && c == 128)
          benchmark::RegisterBenchmark((stem + "/reference").c_str(), is_backward ? backward : forward_train, shape, 1,
                                       "reference")->Unit(benchmark::kMicrosecond);
      }
    }
  return true;
}();

}  // namespace
}  // namespace ganforge
