// Matrix products C = A·B (f32, row-major) through the Backend interface, on every backend
// that can run here but the checking ones (reference: bench_primitives.cpp; cuda-sim), and on
// Eigen, in GFLOP/s: the MLP GAN's layers at batch 64, a square 512 product, and the product
// of DCGAN-64 D4's weight gradient as the convolution makes it (Bᵀ: its columns are im2col
// rows). onednn's gemm is oneDNN's sgemm; Eigen is what the cpu backend used before its own
// packed GEMM (kernels/cpu/gemm_packed.cpp).
//   gemm/<product> MxKxN/<backend>[/threads:<T>]     (bench/measure.h)
//   build/bench/ganforge_bench --benchmark_filter=gemm/
// GCC 12 reports -Wmaybe-uninitialized inside its own AVX-512 intrinsics when they are
// inlined into Eigen's GEMM packing (GCC bug 105593, a false positive); silence only that.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"  // the same false positive at -O1
#endif
#include <Eigen/Core>
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "bench/measure.h"
#include "core/ganforge.h"
#include "kernels/flops.h"
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

double flops(const Product& p) { return kernels::gemm_flops(1, p.m, p.n, p.k); }

struct Operands {
  Tensor a, b, c;
  Operands(const Product& p, Device device) {
    const TensorOptions on = TensorOptions{}.with_device(device);
    Generator gen(1);
    a = randn({p.m, p.k}, on, &gen);
    b = p.b_transposed ? randn({p.n, p.k}, on, &gen) : randn({p.k, p.n}, on, &gen);
    c = empty({p.m, p.n}, on);
  }
};

void run_backend(benchmark::State& state, Product p, kernels::Backend* backend, int threads) {
  set_cpu_threads(threads);
  KernelsGuard kernels(backend->name());
  Operands o(p, Device{backend->device_type()});
  kernels::GemmDesc g;
  g.m = p.m;
  g.n = p.n;
  g.k = p.k;
  g.a = {o.a.data_ptr(), 0, p.k, 1};
  g.b = p.b_transposed ? kernels::MatrixDesc{o.b.data_ptr(), 0, 1, p.k} : kernels::MatrixDesc{o.b.data_ptr(), 0, p.n, 1};
  g.c = {o.c.data_ptr(), 0, p.n, 1};
  time_calls(state, *backend, [&] { backend->gemm(g); });
  count_work(state, *backend, threads, {flops(p), 0});
}

void run_eigen(benchmark::State& state, Product p, int threads) {
  set_cpu_threads(threads);
  Eigen::setNbThreads(threads);
  Operands o(p, Device{});
  using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Eigen::Map<const RowMajor> a(static_cast<const float*>(o.a.data_ptr()), p.m, p.k);
  Eigen::Map<const RowMajor> b(static_cast<const float*>(o.b.data_ptr()), p.b_transposed ? p.n : p.k, p.b_transposed ? p.k : p.n);
  Eigen::Map<RowMajor> c(static_cast<float*>(o.c.data_ptr()), p.m, p.n);
  for (auto _ : state) {
    if (p.b_transposed)
      c.noalias() = a * b.transpose();
    else
      c.noalias() = a * b;
    benchmark::DoNotOptimize(c.data());
  }
  count_work(state, kernels::find_backend("cpu"), threads, {flops(p), 0});  // the CPU's roofline
}

const bool registered = [] {
  for (const Product& p : kProducts) {
    const std::string stem = "gemm/" + std::string(p.what) + " " + std::to_string(p.m) + "x" + std::to_string(p.k) + "x" +
                             std::to_string(p.n) + "/";
    for (kernels::Backend* backend : runnable_backends()) {
      const std::string name = backend->name();
      if (name == "reference" || name == "cuda-sim") continue;
      for (int threads : thread_counts(*backend))
        use_timer(benchmark::RegisterBenchmark((stem + backend_part(*backend, threads)).c_str(), run_backend, p, backend, threads),
                  *backend);
    }
    for (int threads : {1, 2})
      benchmark::RegisterBenchmark((stem + "eigen/threads:" + std::to_string(threads)).c_str(), run_eigen, p, threads)->UseRealTime();
  }
  return true;
}();

}  // namespace
}  // namespace ganforge::bench
