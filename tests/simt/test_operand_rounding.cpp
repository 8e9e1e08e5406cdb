// The cpu backend's operand rounding for the tf32 and bf16 math modes
// (kernels/cpu/operand_rounding.h) against the emulator's twins of the conversions the tensor
// cores' staging uses, cvt.rna.tf32.f32 and cvt.rn.bf16 (kernels/simt/simt.h): bit for bit,
// ties, subnormals, overflow, infinities and NaNs included. And the strided and broadcast
// operands it copies.
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <vector>

#include "kernels/cpu/operand_rounding.h"
#include "kernels/simt/simt.h"

namespace ganforge::kernels {
namespace {

std::vector<uint32_t> test_patterns() {
  std::vector<uint32_t> bits;
  for (uint64_t b = 0; b <= 0xffffffffu; b += 4099) bits.push_back(static_cast<uint32_t>(b));  // a prime stride
  // Each exponent with the low bits just below, at and above the tf32 tie (2^12 of the 2^13
  // dropped) and the bf16 tie (2^15 of 2^16), the kept bit even and odd, both signs.
  for (uint32_t sign : {0u, 0x80000000u})
    for (uint32_t exponent = 0; exponent <= 0xff; ++exponent)
      for (uint32_t kept : {0u, 0x2000u, 0x10000u, 0x7fe000u, 0x7f0000u})
        for (uint32_t low : {0x0u, 0x1u, 0xfffu, 0x1000u, 0x1001u, 0x1fffu, 0x7fffu, 0x8000u, 0x8001u, 0xffffu})
          bits.push_back(sign | exponent << 23 | ((kept | low) & 0x7fffffu));
  return bits;
}

TEST(CpuOperandRounding, EqualsTheTensorCoreConversionsBitForBit) {
  const std::vector<uint32_t> bits = test_patterns();
  std::vector<float> in(bits.size()), out(bits.size());
  for (size_t i = 0; i < bits.size(); ++i) in[i] = std::bit_cast<float>(bits[i]);
  for (MathMode math : {MathMode::Tf32, MathMode::Bf16}) {
    SCOPED_TRACE(math_name(math));
    cpu::round_to_math(in.data(), out.data(), static_cast<int64_t>(in.size()), math);
    int64_t mismatches = 0;
    for (size_t i = 0; i < bits.size(); ++i) {
      const uint32_t want = math == MathMode::Tf32 ? cvt_rna_tf32(in[i]) : uint32_t{float_to_bf16_rn(in[i])} << 16;
      const uint32_t got = std::bit_cast<uint32_t>(out[i]);
      if (got != want && mismatches++ < 5)
        ADD_FAILURE() << std::hex << bits[i] << " rounds to " << got << ", the twin to " << want;
    }
    EXPECT_EQ(mismatches, 0) << "of " << bits.size() << " patterns";
  }
}

// A transposed (strided) operand and a broadcast one come back as contiguous rounded copies of
// the same logical elements; fp32, f64 and an operand that does not follow the mode come back
// as they are.
TEST(CpuOperandRounding, CopiesStridedAndBroadcastOperandsContiguously) {
  const float tie = 1 + 0x1p-11;                      // tf32: a tie, away from zero to 1 + 2^-10
  std::vector<float> data = {1, tie, 3, -tie, 5, 6};  // a 2 x 3 row-major matrix
  TensorDesc transposed{.data = data.data(), .dtype = DType::F32, .ndim = 2, .shape = {3, 2}, .strides = {1, 3}};
  TensorDesc broadcast{.data = data.data() + 1, .dtype = DType::F32, .ndim = 2, .shape = {2, 3}, .strides = {0, 0}};
  {
    const MathGuard fp32(MathMode::Fp32);
    EXPECT_EQ(cpu::operand_for_math(transposed, cpu::WorkspaceSlot::kRoundedFirst).data, transposed.data);
  }
  const MathGuard tf32(MathMode::Tf32);
  const float up = 1 + 0x1p-10;
  const TensorDesc t = cpu::operand_for_math(transposed, cpu::WorkspaceSlot::kRoundedFirst);
  EXPECT_TRUE(t.is_contiguous());
  const float* tv = static_cast<const float*>(t.data);
  EXPECT_EQ(std::vector<float>(tv, tv + 6), (std::vector<float>{1, -up, up, 5, 3, 6}));
  const TensorDesc b = cpu::operand_for_math(broadcast, cpu::WorkspaceSlot::kRoundedSecond);
  const float* bv = static_cast<const float*>(b.data);
  EXPECT_EQ(std::vector<float>(bv, bv + 6), std::vector<float>(6, up));
  EXPECT_EQ(cpu::operand_for_math(transposed, cpu::WorkspaceSlot::kRoundedFirst, false).data, transposed.data);
  TensorDesc f64 = transposed;
  f64.dtype = DType::F64;
  EXPECT_EQ(cpu::operand_for_math(f64, cpu::WorkspaceSlot::kRoundedFirst).data, f64.data);

  // A GEMM whose B is one matrix for every batch entry (batch stride 0) keeps it so.
  GemmDesc g;
  g.batch = 4;
  g.m = 2;
  g.n = 1;
  g.k = 3;
  g.a = {data.data(), 0, 3, 1};
  g.b = {data.data() + 1, 0, 1, 0};
  const GemmDesc r = cpu::operands_for_math(g);
  EXPECT_EQ(r.a.batch_stride, 0);
  EXPECT_EQ(r.b.batch_stride, 0);
  const float* rb = static_cast<const float*>(r.b.data);
  EXPECT_EQ(std::vector<float>(rb, rb + 3), (std::vector<float>{up, 3, -up}));  // B is 3 x 1: data[1..3]
}

}  // namespace
}  // namespace ganforge::kernels
