// The cpu backend's single matrix product, shared by GEMM and the convolutions.
#pragma once

#include "kernels/backend.h"

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

}  // namespace ganforge::kernels::cpu
