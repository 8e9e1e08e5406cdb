// The reference backend: plain loops over multi-indices, every value computed in double
// (int64 for integer tensors). Slow on purpose and written to be read: it is the ground
// truth every other backend is tested against, and the first place to look when learning
// what a primitive does. It restates every formula on its own, rather than sharing the cpu
// and cuda backends' kernels/common, so that it stays an independent check of them.
#pragma once

#include "kernels/host_backend.h"

namespace ganforge::kernels {

class ReferenceBackend final : public HostBackend {
 public:
  const char* name() const override { return "reference"; }
  bool follows_math() const override { return false; }  // it is the yardstick: f64 sums, unrounded operands
  GANFORGE_PRIMITIVES(GANFORGE_DECLARE_OVERRIDE)
};

}  // namespace ganforge::kernels
