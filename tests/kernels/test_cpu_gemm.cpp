// The cpu backend's packed GEMM (kernels/cpu/gemm_packed.cpp) across every edge of its
// blocking, which the consistency cases are too small to reach: more rows than an A block,
// columns than a B block and depth than a k slice, each with a ragged remainder, in every
// operand layout, with alpha and beta, on one thread and split over two; and the thin
// products that take other paths. Inputs are small integers, so every sum is exact in any
// order and the results must equal plain loops.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "kernels/backend.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/parallel.h"
#include "kernels/registry.h"

namespace ganforge {
namespace {

struct Layouts {
  bool a_transposed, b_transposed, c_column_major;
};

// The descriptor of an r x c matrix stored row-major, or column-major when `transposed`.
kernels::MatrixDesc matrix(void* data, int64_t rows, int64_t cols, bool transposed) {
  return transposed ? kernels::MatrixDesc{data, 0, 1, rows} : kernels::MatrixDesc{data, 0, cols, 1};
}

template <class T>
void expect_plain_loops(DType dtype, int64_t m, int64_t k, int64_t n, Layouts l, double alpha, double beta, int threads) {
  std::vector<T> a(static_cast<size_t>(m * k)), b(static_cast<size_t>(k * n)), c(static_cast<size_t>(m * n));
  for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<T>(static_cast<int64_t>(i * 7 % 11) - 5);
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<T>(static_cast<int64_t>(i * 5 % 7) - 3);
  for (size_t i = 0; i < c.size(); ++i) c[i] = static_cast<T>(static_cast<int64_t>(i % 5) - 2);
  auto at = [](const std::vector<T>& v, int64_t i, int64_t j, int64_t rows, int64_t cols, bool transposed) {
    return v[static_cast<size_t>(transposed ? j * rows + i : i * cols + j)];
  };
  std::vector<T> expected(c.size());
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      T sum = 0;
      for (int64_t p = 0; p < k; ++p) sum += at(a, i, p, m, k, l.a_transposed) * at(b, p, j, k, n, l.b_transposed);
      const size_t e = static_cast<size_t>(l.c_column_major ? j * m + i : i * n + j);
      expected[e] = static_cast<T>(alpha) * sum + (beta == 0 ? T(0) : static_cast<T>(beta) * c[e]);
    }
  if (beta == 0) std::fill(c.begin(), c.end(), static_cast<T>(-999));  // must be overwritten, not read
  kernels::GemmDesc g;
  g.dtype = dtype;
  g.m = m;
  g.k = k;
  g.n = n;
  g.a = matrix(a.data(), m, k, l.a_transposed);
  g.b = matrix(b.data(), k, n, l.b_transposed);
  g.c = matrix(c.data(), m, n, l.c_column_major);
  g.alpha = alpha;
  g.beta = beta;
  const int before = kernels::cpu::max_threads();
  kernels::cpu::set_max_threads(threads);
  kernels::find_backend("cpu").gemm(g);
  kernels::cpu::set_max_threads(before);
  int64_t wrong = 0;
  for (size_t e = 0; e < c.size(); ++e) wrong += c[e] != expected[e];
  EXPECT_EQ(wrong, 0) << dtype_name(dtype) << " " << m << "x" << k << "x" << n << " a" << (l.a_transposed ? "T" : "")
                      << " b" << (l.b_transposed ? "T" : "") << (l.c_column_major ? " column-major C" : "") << " alpha "
                      << alpha << " beta " << beta << " on " << threads << " threads";
}

// The blocks come from this CPU's caches (f32 on 48 KiB L1d and 1 MiB L2: 512 rows, 1024
// columns, 256 deep; 8-byte elements: 512, 512, 128): each is crossed with a ragged remainder.
TEST(CpuGemm, EveryBlockEdgeAndLayoutEqualsPlainLoops) {
  const std::vector<Layouts> layouts = {
      {false, false, false}, {true, false, false}, {false, true, false}, {true, true, true}, {false, true, true}};
  const kernels::cpu::GemmBlocking &f32 = kernels::cpu::gemm_blocking(4), &f64 = kernels::cpu::gemm_blocking(8);
  for (const Layouts& l : layouts) {
    expect_plain_loops<float>(DType::F32, f32.rows + 3, f32.depth + 3, f32.cols + 5, l, 1, 0, 1);
    expect_plain_loops<double>(DType::F64, f64.rows + 3, f64.depth + 3, f64.cols + 5, l, 2, 0.5, 1);
    expect_plain_loops<int64_t>(DType::I64, 37, f64.depth + 3, f64.cols + 5, l, 1, 1, 1);
  }
}

TEST(CpuGemm, BlocksFitTheCachesTheCpuReports) {
  const long l1 = sysconf(_SC_LEVEL1_DCACHE_SIZE), l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
  for (int64_t element : {4, 8}) {
    const kernels::cpu::GemmBlocking& b = kernels::cpu::gemm_blocking(static_cast<size_t>(element));
    const int64_t b_panel = b.depth * 128, a_block = b.rows * b.depth * element;  // a panel row: 128 bytes
    EXPECT_GE(b.depth, 16);
    if (l1 > 0) {
      EXPECT_LE(b_panel, l1) << element << "-byte elements";
    }
    if (l2 > 0) {
      EXPECT_LE(a_block, l2) << element << "-byte elements";
    }
  }
}

// One column or row of C runs as dot products or a sum of columns, a small A·Bᵀ as dot
// products, and a C whose transpose pads its tiles less (64 x 16) is computed transposed.
TEST(CpuGemm, ThinProductsEqualPlainLoops) {
  const std::vector<Layouts> layouts = {{false, false, false}, {true, false, false}, {false, true, true}};
  for (const Layouts& l : layouts) {
    expect_plain_loops<float>(DType::F32, 64, 1000, 1, l, 1, 0, 1);
    expect_plain_loops<float>(DType::F32, 1, 64, 1000, l, 1, 1, 1);
    expect_plain_loops<double>(DType::F64, 1, 259, 1, l, 0.5, 2, 1);
    expect_plain_loops<float>(DType::F32, 64, 259, 16, l, 1, 0, 1);
    expect_plain_loops<int64_t>(DType::I64, 64, 1, 517, l, 1, 0, 1);
    // with Bᵀ: dot products in 4 x 4 blocks, ragged in m, n and k
    expect_plain_loops<float>(DType::F32, 37, 131, 23, l, 1, 0, 1);
    expect_plain_loops<double>(DType::F64, 6, 70, 9, l, 2, 0.5, 1);
  }
}

// Products with a short side of at most 64 and a longer k (a Linear layer's batch) run on the
// long operand in place: x·W (B row-major, in column strips, the last one ragged) and x·Wᵀ (B
// column-major, as Cᵀ = W·xᵀ), with the short side on either operand, ragged against the
// 8 x 32 register tiles; with alpha or beta, a column-major C or a short k, the packed path.
TEST(CpuGemm, ShortSideProductsEqualPlainLoops) {
  const std::vector<Layouts> layouts = {{false, false, false}, {false, true, false}, {true, false, false},
                                        {true, true, false},  {false, false, true}, {false, true, true}};
  for (const Layouts& l : layouts) {
    expect_plain_loops<float>(DType::F32, 64, 784, 1029, l, 1, 0, 1);
    expect_plain_loops<float>(DType::F32, 61, 100, 70, l, 1, 0, 1);
    expect_plain_loops<float>(DType::F32, 1029, 300, 64, l, 1, 0, 1);
    expect_plain_loops<double>(DType::F64, 7, 131, 517, l, 1, 0, 1);
    expect_plain_loops<int64_t>(DType::I64, 64, 65, 100, l, 1, 0, 1);
    expect_plain_loops<float>(DType::F32, 64, 784, 300, l, 2, 0.5, 1);
  }
  expect_plain_loops<float>(DType::F32, 64, 1024, 784, {false, true, false}, 1, 0, 2);  // threaded, by columns
}

// Operands packed once for many products (a convolution's weight, its gathered output gradient):
// A from pack_gemm_a, B written into its panels by hand as the convolutions do, either or both
// given packed, ragged against the tiles and across the cache blocks, on one and two threads.
template <class T>
void expect_prepacked_equals_plain_loops(DType dtype, int64_t m, int64_t k, int64_t n, bool pack_a, bool pack_b,
                                         double beta, int threads) {
  constexpr int64_t MR = kernels::cpu::kGemmTileRows, NR = kernels::cpu::kGemmTileCols<T>;
  std::vector<T> a(static_cast<size_t>(m * k)), b(static_cast<size_t>(k * n)), c(static_cast<size_t>(m * n));
  for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<T>(static_cast<int64_t>(i * 7 % 11) - 5);
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<T>(static_cast<int64_t>(i * 5 % 7) - 3);
  for (size_t i = 0; i < c.size(); ++i) c[i] = static_cast<T>(static_cast<int64_t>(i % 5) - 2);
  std::vector<T> expected(c.size());
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      T sum = 0;
      for (int64_t p = 0; p < k; ++p) sum += a[static_cast<size_t>(i * k + p)] * b[static_cast<size_t>(p * n + j)];
      expected[static_cast<size_t>(i * n + j)] = sum + static_cast<T>(beta) * c[static_cast<size_t>(i * n + j)];
    }
  std::vector<T> a_panels(static_cast<size_t>((m + MR - 1) / MR * MR * k), T(-999));
  std::vector<T> b_panels(static_cast<size_t>((n + NR - 1) / NR * NR * k), T(0));
  kernels::cpu::pack_gemm_a<T>(m, k, matrix(a.data(), m, k, false), a_panels.data());
  for (int64_t p = 0; p < k; ++p)
    for (int64_t j = 0; j < n; ++j)
      b_panels[static_cast<size_t>(j / NR * NR * k + p * NR + j % NR)] = b[static_cast<size_t>(p * n + j)];
  kernels::GemmDesc g;
  g.dtype = dtype;
  g.m = m;
  g.k = k;
  g.n = n;
  if (!pack_a) g.a = matrix(a.data(), m, k, false);  // a packed operand has no matrix
  if (!pack_b) g.b = matrix(b.data(), k, n, false);
  g.c = matrix(c.data(), m, n, false);
  g.beta = beta;
  const int before = kernels::cpu::max_threads();
  kernels::cpu::set_max_threads(threads);
  using Packed = kernels::cpu::PackedOperand<T>;
  kernels::cpu::gemm_prepacked<T>(g, pack_a ? Packed{a_panels.data(), MR * k} : Packed{},
                                  pack_b ? Packed{b_panels.data(), NR * k} : Packed{});
  kernels::cpu::set_max_threads(before);
  int64_t wrong = 0;
  for (size_t e = 0; e < c.size(); ++e) wrong += c[e] != expected[e];
  EXPECT_EQ(wrong, 0) << dtype_name(dtype) << " " << m << "x" << k << "x" << n << (pack_a ? " packed A" : "")
                      << (pack_b ? " packed B" : "") << " beta " << beta << " on " << threads << " threads";
}

TEST(CpuGemm, PrepackedOperandsEqualPlainLoops) {
  const kernels::cpu::GemmBlocking& f32 = kernels::cpu::gemm_blocking(4);
  for (int threads : {1, 2})
    for (auto [pack_a, pack_b] : {std::pair{true, false}, std::pair{false, true}, std::pair{true, true}}) {
      expect_prepacked_equals_plain_loops<float>(DType::F32, f32.rows + 3, f32.depth + 3, f32.cols + 5, pack_a, pack_b,
                                                 0, threads);
      expect_prepacked_equals_plain_loops<float>(DType::F32, 1029, 100, 515, pack_a, pack_b, 1, threads);  // by rows
      expect_prepacked_equals_plain_loops<float>(DType::F32, 61, 100, 70, pack_a, pack_b, 1, threads);
      expect_prepacked_equals_plain_loops<double>(DType::F64, 37, 131, 1, pack_a, pack_b, 0.5, threads);  // one column
      expect_prepacked_equals_plain_loops<double>(DType::F64, 1, 20, 517, pack_a, pack_b, 0, threads);    // one row
    }
}

// A product of >= 1e8 flops splits its longer side of C over the threads, by whole tiles.
TEST(CpuGemm, ThreadedProductsEqualPlainLoops) {
  expect_plain_loops<float>(DType::F32, 515, 259, 1029, {false, true, false}, 1, 0, 2);  // split over columns
  expect_plain_loops<float>(DType::F32, 1029, 259, 515, {false, false, false}, 1, 1, 2);  // over rows
  expect_plain_loops<double>(DType::F64, 1029, 131, 517, {true, false, true}, 0.5, 2, 2);
}

}  // namespace
}  // namespace ganforge
