// The cpu backend's single matrix product, shared by GEMM and the convolutions.
#pragma once

#include "kernels/backend.h"

namespace ganforge::kernels::cpu {

// C = alpha·A·B + beta·C for the first matrix of g, ignoring g.batch (gemm_packed.cpp). A product
// of >= 1e8 flops is split over up to max_threads() threads, except inside a parallel region.
void gemm_unbatched(const GemmDesc& g);

}  // namespace ganforge::kernels::cpu
