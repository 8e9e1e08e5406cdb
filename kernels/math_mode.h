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
// f64 always computes in f64. The CPU has no tensor cores: in tf32 and bf16 the cpu backend
// rounds the operands the same way and sums in FP32 (kernels/cpu/operand_rounding.h), so a
// run on it has a GPU run's numerics in that mode, not its speed; onednn and reference compute
// in FP32 or finer in every mode (Backend::follows_math).
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

// A convolution pass whose GEMM has at most this many rows (the channels of a grey or RGB
// image, D's single logit) computes in FP32 in every mode: an mma tile would leave most of its
// rows idle. GEMMs follow the mode at any size.
constexpr int64_t kFp32ConvRows = 4;
inline bool conv_follows_math(int64_t gemm_rows) { return gemm_rows > kFp32ConvRows; }

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
