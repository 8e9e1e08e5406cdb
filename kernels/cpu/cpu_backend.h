// The cpu backend: the fast path on machines without a GPU. Loops are written so that g++
// vectorises them (contiguous inner runs get their own loop), large work is split over
// OpenMP threads (see parallel.h), and GEMM is packed panels and a register-tile kernel
// (gemm_packed.cpp).
#pragma once

#include "kernels/host_backend.h"

namespace ganforge::kernels {

class CpuBackend : public HostBackend {  // onednn derives from it
 public:
  const char* name() const override { return "cpu"; }
  GANFORGE_PRIMITIVES(GANFORGE_DECLARE_OVERRIDE)
  GANFORGE_FUSED_PRIMITIVES(GANFORGE_DECLARE_OVERRIDE)
};

}  // namespace ganforge::kernels
