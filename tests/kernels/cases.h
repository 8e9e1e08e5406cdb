// The consistency cases, one function per primitive family (tests/kernels/cases_*.cpp). A case
// names its primitive as in kernels/primitives.h, with ".op" for a primitive that takes an op
// ("unary.exp", "conv2d_fprop").
#pragma once

#include <string>
#include <vector>

#include "tests/kernels/consistency_harness.h"

namespace ganforge::testing {

inline Operand in(const Shape& s, DType t, Fill f = Fill::Uniform, Layout l = Layout::Contiguous) {
  return {Role::Input, s, t, f, l, 0};
}
inline Operand out(const Shape& s, DType t, Layout l = Layout::Contiguous) {
  return {Role::Output, s, t, Fill::Uniform, l, 0};
}
inline Operand inout(const Shape& s, DType t, Fill f = Fill::Uniform) { return {Role::InOut, s, t, f, Layout::Contiguous, 0}; }

std::vector<Case> core_cases();   // memory, random, elementwise, reductions, GEMM, gathers
std::vector<Case> conv_cases();   // fprop, dgrad, wgrad, of convolutions and transposed convolutions
std::vector<Case> layer_cases();  // batch norm, activations, softmax, resampling, losses, optimizers

}  // namespace ganforge::testing
