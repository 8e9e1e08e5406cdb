// The cpu backend's single matrix product, shared by GEMM and the convolutions.
#pragma once

#include "kernels/backend.h"

namespace ganforge::kernels::cpu {

// C = alpha·A·B + beta·C for batch 0 of g (gemm_packed.cpp). A product of >= 1e8 flops is
// split over up to max_threads() threads, except when called from inside a parallel region.
void gemm_single(const GemmDesc& g);

}  // namespace ganforge::kernels::cpu
