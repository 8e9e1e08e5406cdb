// Throughput of the memory-bound core primitives on every CPU backend: elementwise and
// reduction ops at activation sizes of DCGAN-64, and the reference backend's GEMM (the cpu
// one is in bench_gemm.cpp).
//   build/bench/ganforge_bench --benchmark_filter=cpu
// Counters: GFLOP/s for GEMM, GB/s (bytes read + written) for memory-bound ops.
#include <benchmark/benchmark.h>

#include "core/ganforge.h"
#include "kernels/cpu/parallel.h"
#include "kernels/flops.h"

namespace ganforge {
namespace {

void set_threads(benchmark::State& state, int64_t threads) {
  kernels::cpu::set_max_threads(static_cast<int>(threads));
  state.counters["threads"] = static_cast<double>(threads);
}

// args: m, k, n, threads (the MLP GAN's 100 -> 128 layer at batch 64)
void BM_gemm(benchmark::State& state, const char* backend) {
  KernelsGuard kernels(backend);
  set_threads(state, state.range(3));
  const int64_t m = state.range(0), k = state.range(1), n = state.range(2);
  Tensor a = randn({m, k}), b = randn({k, n});
  for (auto _ : state) benchmark::DoNotOptimize(matmul(a, b).data_ptr());
  state.counters["GFLOP/s"] =
      benchmark::Counter(kernels::gemm_flops(1, m, n, k) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// args: elements, threads
void BM_add(benchmark::State& state, const char* backend) {
  KernelsGuard kernels(backend);
  set_threads(state, state.range(1));
  Tensor a = randn({state.range(0)}), b = randn({state.range(0)});
  for (auto _ : state) benchmark::DoNotOptimize(add(a, b).data_ptr());
  state.counters["GB/s"] = benchmark::Counter(3.0 * 4 * state.range(0) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// Per-channel sum of an NCHW activation: the reduction inside batch norm and bias gradients.
// args: N, C, HW, threads
void BM_sum_channels(benchmark::State& state, const char* backend) {
  KernelsGuard kernels(backend);
  set_threads(state, state.range(3));
  Tensor x = randn({state.range(0), state.range(1), state.range(2)});
  for (auto _ : state) benchmark::DoNotOptimize(sum(x, {0, 2}).data_ptr());
  state.counters["GB/s"] = benchmark::Counter(4.0 * x.numel() * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

BENCHMARK_CAPTURE(BM_gemm, reference, "reference")->Args({64, 100, 128, 1})->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_add, cpu, "cpu")->ArgsProduct({{1 << 12, 1 << 16, 1 << 21}, {1, 2}});
BENCHMARK_CAPTURE(BM_add, reference, "reference")->Args({1 << 16, 1});
BENCHMARK_CAPTURE(BM_sum_channels, cpu, "cpu")->ArgsProduct({{64}, {128}, {16 * 16}, {1, 2}});
BENCHMARK_CAPTURE(BM_sum_channels, reference, "reference")->Args({64, 128, 256, 1});

}  // namespace
}  // namespace ganforge
