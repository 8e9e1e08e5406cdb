// The tf32 and bf16 math modes (kernels/math_mode.h) on the CPU backends, which have no tensor
// cores: each f32 operand of a convolution or GEMM is rounded into a scratch copy as the
// tensor cores' staging rounds it (TF32 to nearest with ties away from zero, as
// cvt.rna.tf32.f32; BF16 to nearest even), and the FP32 kernels run on the copies. FMA on such
// operands is the tensor cores' arithmetic: the product of two 11-bit (or 8-bit) significands
// is exact in f32, and sums are f32. So a CPU run in a mode has a GPU run's numerics in that
// mode, up to the order of the sums: the effect of TF32 or BF16 on training can be seen on a
// machine without a GPU.
#pragma once

#include <cstdint>

#include "kernels/backend.h"
#include "kernels/cpu/workspace.h"
#include "kernels/math_mode.h"

namespace ganforge::kernels::cpu {

// out[i] = in[i] rounded to the mode's operand precision (in fp32: copied). NaN and infinity
// pass through; a finite value that rounds past the largest finite one becomes infinity.
void round_to_math(const float* in, float* out, int64_t n, MathMode math);

// The operand as the math mode in force has a convolution or GEMM see it: `t` itself in fp32,
// for f64, when empty and when `follows` is false; else a contiguous rounded copy in this
// thread's workspace `slot`, valid until the thread next asks for that slot.
TensorDesc operand_for_math(const TensorDesc& t, WorkspaceSlot slot, bool follows = true);

// `g` with A and B replaced the same way (C is an output: not rounded).
GemmDesc operands_for_math(const GemmDesc& g);

}  // namespace ganforge::kernels::cpu
