// The cpu backend's single matrix product, shared by GEMM and the convolutions.
#pragma once

#include "kernels/backend.h"
#include "kernels/cpu/vector_masked.h"

namespace ganforge::kernels::cpu {

// C = alpha·A·B + beta·C for the first matrix of g, ignoring g.batch (gemm_packed.cpp). A product
// of >= 1e7 flops is split over up to max_threads() threads, except inside a parallel region.
void gemm_unbatched(const GemmDesc& g);

// The packed GEMM's cache blocks for elements of 4 or 8 bytes, from this CPU's cache sizes:
// k slices `depth` deep, blocks of `rows` rows of A and `cols` columns of B.
struct GemmBlocking {
  int64_t depth, rows, cols;
};
const GemmBlocking& gemm_blocking(size_t element_bytes);

// The micro-kernel's register tile of C: kGemmTileRows x kGemmTileCols<T>.
#if defined(__AVX512F__)
constexpr int64_t kGemmTileRows = 8;  // 16 of the 32 zmm registers hold the tile
#else
constexpr int64_t kGemmTileRows = 3;  // a 64-byte vector is two ymm registers: 12 of 16 hold the tile
#endif
template <class T>
constexpr int64_t kGemmTileCols = 2 * kVectorLanes<T>;

// An operand packed once for many products (a convolution's weight serves every group of
// samples): A as panels of kGemmTileRows rows, B as panels of kGemmTileCols columns, each over
// all of k. Panel r starts at data + r·stride (stride >= tile·k); step p of it is the tile's
// kGemmTileRows (or kGemmTileCols) elements at + p·tile. Rows or columns past the matrix's are 0.
template <class T>
struct PackedOperand {
  const T* data = nullptr;
  int64_t stride = 0;
};

// Packs all of A (m x k, read through `a`) as panels with stride kGemmTileRows·k:
// ceil(m / kGemmTileRows) · kGemmTileRows · k elements at `panels`.
template <class T>
void pack_gemm_a(int64_t m, int64_t k, const MatrixDesc& a, T* panels);

// gemm_unbatched, reading A or B from their panels where those are given (g.a or g.b is then
// not read); for f32 and f64.
template <class T>
void gemm_prepacked(const GemmDesc& g, PackedOperand<T> a, PackedOperand<T> b);

}  // namespace ganforge::kernels::cpu
