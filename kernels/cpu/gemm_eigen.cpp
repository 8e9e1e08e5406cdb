// cpu GEMM through Eigen. Each operand is mapped in place with its strides (row-major when
// its columns are unit-stride, column-major when its rows are), so transposed views cost no
// copy; Eigen packs panels itself. Batches run in parallel when each is small, Eigen's own
// OpenMP parallelism covers a single large product.
// GCC 12 reports -Wmaybe-uninitialized inside its own AVX-512 intrinsics when they are
// inlined into Eigen's GEMM packing (GCC bug 105593, a false positive); silence only that.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"  // the same false positive at -O1
#endif
#include <Eigen/Core>

#include "kernels/cpu/cpu_backend.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/parallel.h"

namespace ganforge::kernels {
namespace {

template <class T>
using RowMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using ColMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
using AnyStride = Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>;

// Calls f(map) with an Eigen map of matrix b of m's batch, choosing the layout from strides.
template <class T, class F>
void with_matrix(const MatrixDesc& m, int64_t batch, int64_t rows, int64_t cols, F&& f) {
  T* data = static_cast<T*>(m.data) + batch * m.batch_stride;
  if (m.col_stride == 1 || cols == 1) {
    f(Eigen::Map<RowMajor<T>, 0, Eigen::OuterStride<>>(data, rows, cols, Eigen::OuterStride<>(rows == 1 ? cols : m.row_stride)));
  } else if (m.row_stride == 1 || rows == 1) {
    f(Eigen::Map<ColMajor<T>, 0, Eigen::OuterStride<>>(data, rows, cols, Eigen::OuterStride<>(m.col_stride)));
  } else {
    f(Eigen::Map<RowMajor<T>, 0, AnyStride>(data, rows, cols, AnyStride(m.row_stride, m.col_stride)));
  }
}

template <class T>
void gemm_one(const GemmDesc& g, int64_t batch) {
  const T alpha = static_cast<T>(g.alpha), beta = static_cast<T>(g.beta);
  with_matrix<T>(g.a, batch, g.m, g.k, [&](auto a) {
    with_matrix<T>(g.b, batch, g.k, g.n, [&](auto b) {
      with_matrix<T>(g.c, batch, g.m, g.n, [&](auto c) {
        if (g.k == 0) {
          if (g.beta == 0) c.setZero(); else c *= beta;
        } else if (g.beta == 0) {
          c.noalias() = alpha * (a * b);
        } else {
          if (g.beta != 1) c *= beta;
          c.noalias() += alpha * (a * b);
        }
      });
    });
  });
}

template <class T>
void gemm_typed(const GemmDesc& g) {
  const int64_t flops_per_batch = 2 * g.m * g.n * std::max<int64_t>(g.k, 1);
  if (g.batch == 1) {
    cpu::gemm_single(g);
    return;
  }
  cpu::parallel_for(g.batch, flops_per_batch / 64, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) gemm_one<T>(g, b);
  });
}

}  // namespace

void cpu::gemm_single(const GemmDesc& g) {
  // Eigen may split one large product over threads (never inside a parallel region). Below
  // ~10^8 flops a second thread costs more than it gains here: measured 64x256x512 at 129
  // GFLOP/s on one thread and 110 on two, 512^3 at 128 and 189 (bench/RESULTS.md).
  constexpr double kFlopsPerExtraThread = 1.0e8;
  if (!cpu::in_parallel_region()) {
    const double flops = 2.0 * static_cast<double>(g.m) * static_cast<double>(g.n) * static_cast<double>(g.k);
    Eigen::setNbThreads(flops < kFlopsPerExtraThread ? 1 : cpu::max_threads());
  }
  switch (g.dtype) {
    case DType::F32: gemm_one<float>(g, 0); break;
    case DType::F64: gemm_one<double>(g, 0); break;
    case DType::I64: gemm_one<int64_t>(g, 0); break;
  }
}

void CpuBackend::gemm(const GemmDesc& g) {
  switch (g.dtype) {
    case DType::F32: gemm_typed<float>(g); break;
    case DType::F64: gemm_typed<double>(g); break;
    case DType::I64: gemm_typed<int64_t>(g); break;
  }
}

}  // namespace ganforge::kernels
