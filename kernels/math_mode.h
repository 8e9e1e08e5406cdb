// The arithmetic of f32 convolutions and GEMMs on the GPU backends, chosen by the user
// (`--math`, set_math): one switch for GANForge's own CUDA kernels and for cuDNN / cuBLAS, so
// a comparison between them is like for like.
//  - Fp32 (the default): FP32 FMA. Integer-valued inputs give exact sums, results match the
//    CPU backends to f32 rounding, and a run resumes bit-exactly on the same backend.
//  - Tf32: tensor cores (mma.sync m16n8k8) on operands rounded to TF32 (10 explicit mantissa
//    bits, unit roundoff 2^-11) as they are staged; products exact, sums in f32. What PyTorch
//    runs for convolutions by default on Ampere and newer GPUs.
//  - Bf16: tensor cores (m16n8k16) on operands rounded to BF16 (7 bits, unit roundoff 2^-8);
//    sums in f32. Tensors stay f32 in memory either way.
// f64 always computes in f64, and the CPU backends compute f32 in FP32 in every mode.
#pragma once

#include <cstdint>
#include <string>

namespace ganforge::kernels {

enum class MathMode : uint8_t { Fp32, Tf32, Bf16 };

// "fp32", "tf32" or "bf16"; anything else throws std::invalid_argument listing them.
MathMode parse_math(const std::string& name);
const char* math_name(MathMode math);
// The unit roundoff of an operand in this mode (2^-24, 2^-11, 2^-8).
double math_unit_roundoff(MathMode math);

// The mode in force: the last set_math, else GANFORGE_MATH (read on first use; an invalid
// value throws from here, naming the variable), else fp32.
MathMode current_math();
void set_math(MathMode math);

// Sets a mode for a scope (tests, benchmarks) and restores the previous one.
class MathGuard {
 public:
  explicit MathGuard(MathMode math);
  ~MathGuard();
  MathGuard(const MathGuard&) = delete;
  MathGuard& operator=(const MathGuard&) = delete;

 private:
  MathMode previous_;
};

}  // namespace ganforge::kernels
