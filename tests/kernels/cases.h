// The consistency cases, one function per primitive family (tests/kernels/cases_*.cpp),
// and the primitive names each family is responsible for.
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

std::vector<Case> core_cases();  // memory, random, elementwise, reductions, GEMM, gathers
std::vector<std::string> core_primitives();
std::vector<Case> conv_cases();  // conv2d and conv_transpose2d, all three passes
std::vector<std::string> conv_primitives();
std::vector<Case> layer_cases();  // batch norm, activations, softmax, resampling, losses, optimizers
std::vector<std::string> layer_primitives();

}  // namespace ganforge::testing
