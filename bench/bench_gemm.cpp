// Matrix products C = A·B (f32, row-major) on the cpu backend, oneDNN's sgemm and Eigen, 1
// and 2 threads, in GFLOP/s: the MLP GAN's layers at batch 64, a square 512 product, and the
// product of DCGAN-64 D4's weight gradient as the convolution makes it (Bᵀ: its columns are
// im2col rows). oneDNN is the yardstick of the closing ratio table; Eigen is what the cpu
// backend used before its own packed GEMM (kernels/cpu/gemm_packed.cpp).
//   build/bench/ganforge_bench --benchmark_filter=gemm/
// GCC 12 reports -Wmaybe-uninitialized inside its own AVX-512 intrinsics when they are
// inlined into Eigen's GEMM packing (GCC bug 105593, a false positive); silence only that.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"  // the same false positive at -O1
#endif
#include <Eigen/Core>
#include <benchmark/benchmark.h>
#include <oneapi/dnnl/dnnl.h>
#include <omp.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "core/ganforge.h"
#include "kernels/cpu/parallel.h"
#include "kernels/registry.h"

namespace ganforge::bench {
namespace {

struct Product {
  const char* what;
  int64_t m, k, n;
  bool b_transposed;  // B stored as its transpose [n, k]
};

const std::vector<Product> kProducts = {
    {"MLP GAN G 100->128", 64, 100, 128, false},
    {"MLP GAN G 256->512", 64, 256, 512, false},
    {"MLP GAN G 1024->784", 64, 1024, 784, false},
    {"square", 512, 512, 512, false},
    {"DCGAN-64 D4 weight gradient, Bt", 512, 1024, 1024, true},
};

struct Operands {
  std::vector<float> a, b, c;
  explicit Operands(const Product& p)
      : a(static_cast<size_t>(p.m * p.k)), b(static_cast<size_t>(p.k * p.n)), c(static_cast<size_t>(p.m * p.n)) {
    for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<float>(i % 7) - 3.0f;
    for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<float>(i % 5) - 2.0f;
  }
};

void set_threads(benchmark::State& state, int threads) {
  kernels::cpu::set_max_threads(threads);
  omp_set_num_threads(threads);
  Eigen::setNbThreads(threads);
  state.counters["threads"] = threads;
}

void count_flops(benchmark::State& state, const Product& p) {
  state.counters["GFLOP/s"] = benchmark::Counter(2e-9 * static_cast<double>(p.m * p.n * p.k),
                                                 benchmark::Counter::kIsIterationInvariantRate);
}

void run_ganforge(benchmark::State& state, Product p, int threads) {
  set_threads(state, threads);
  Operands o(p);
  kernels::GemmDesc g;
  g.m = p.m;
  g.n = p.n;
  g.k = p.k;
  g.a = {o.a.data(), 0, p.k, 1};
  g.b = p.b_transposed ? kernels::MatrixDesc{o.b.data(), 0, 1, p.k} : kernels::MatrixDesc{o.b.data(), 0, p.n, 1};
  g.c = {o.c.data(), 0, p.n, 1};
  kernels::Backend& cpu = kernels::find_backend("cpu");
  for (auto _ : state) {
    cpu.gemm(g);
    benchmark::DoNotOptimize(o.c.data());
  }
  count_flops(state, p);
}

void run_onednn(benchmark::State& state, Product p, int threads) {
  set_threads(state, threads);
  Operands o(p);
  for (auto _ : state) {  // dnnl_sgemm takes row-major operands
    if (dnnl_sgemm('N', p.b_transposed ? 'T' : 'N', p.m, p.n, p.k, 1.0f, o.a.data(), p.k, o.b.data(),
                   p.b_transposed ? p.k : p.n, 0.0f, o.c.data(), p.n) != dnnl_success)
      throw std::runtime_error("dnnl_sgemm failed");
    benchmark::DoNotOptimize(o.c.data());
  }
  count_flops(state, p);
}

void run_eigen(benchmark::State& state, Product p, int threads) {
  set_threads(state, threads);
  Operands o(p);
  using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Eigen::Map<const RowMajor> a(o.a.data(), p.m, p.k), b(o.b.data(), p.b_transposed ? p.n : p.k, p.b_transposed ? p.k : p.n);
  Eigen::Map<RowMajor> c(o.c.data(), p.m, p.n);
  for (auto _ : state) {
    if (p.b_transposed)
      c.noalias() = a * b.transpose();
    else
      c.noalias() = a * b;
    benchmark::DoNotOptimize(o.c.data());
  }
  count_flops(state, p);
}

const bool registered = [] {
  for (const Product& p : kProducts)
    for (int threads : {1, 2}) {
      const std::string stem = "gemm/" + std::string(p.what) + " " + std::to_string(p.m) + "x" + std::to_string(p.k) +
                               "x" + std::to_string(p.n) + "/threads:" + std::to_string(threads);
      benchmark::RegisterBenchmark((stem + "/ganforge").c_str(), run_ganforge, p, threads)->UseRealTime();
      benchmark::RegisterBenchmark((stem + "/onednn").c_str(), run_onednn, p, threads)->UseRealTime();
      benchmark::RegisterBenchmark((stem + "/eigen").c_str(), run_eigen, p, threads)->UseRealTime();
    }
  return true;
}();

}  // namespace
}  // namespace ganforge::bench
