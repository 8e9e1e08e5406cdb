#include "kernels/cpu/operand_rounding.h"

#include <array>
#include <bit>

#include "kernels/cpu/parallel.h"
#include "kernels/cpu/strided_loop.h"

namespace ganforge::kernels::cpu {
namespace {

constexpr uint32_t kExponent = 0x7f800000u;

// To 10 explicit significand bits: add half of the 2^13 dropped, so a tie rounds away from zero.
uint32_t tf32_bits(uint32_t bits) { return (bits & kExponent) == kExponent ? bits : (bits + 0x1000u) & ~0x1fffu; }
// To 7 explicit significand bits, ties to even; a NaN stays a NaN (its quiet bit set).
uint32_t bf16_bits(uint32_t bits) {
  if ((bits & kExponent) == kExponent && (bits & 0x7fffffu) != 0) return (bits | 0x400000u) & 0xffff0000u;
  return (bits + 0x7fffu + ((bits >> 16) & 1u)) & 0xffff0000u;
}

uint32_t unchanged(uint32_t bits) { return bits; }

// out[i · out_stride] = in[i · in_stride] rounded; the unit-stride case gets its own loop, which
// g++ vectorises.
template <uint32_t (*Round)(uint32_t)>
void round_run(const float* in, int64_t in_stride, float* out, int64_t out_stride, int64_t n) {
  auto rounded = [](float x) { return std::bit_cast<float>(Round(std::bit_cast<uint32_t>(x))); };
  if (in_stride == 1 && out_stride == 1)
    for (int64_t i = 0; i < n; ++i) out[i] = rounded(in[i]);
  else
    for (int64_t i = 0; i < n; ++i) out[i * out_stride] = rounded(in[i * in_stride]);
}

void round_run(const float* in, int64_t in_stride, float* out, int64_t out_stride, int64_t n, MathMode math) {
  switch (math) {
    case MathMode::Tf32:
      return round_run<tf32_bits>(in, in_stride, out, out_stride, n);
    case MathMode::Bf16:
      return round_run<bf16_bits>(in, in_stride, out, out_stride, n);
    case MathMode::Fp32:
      return round_run<unchanged>(in, in_stride, out, out_stride, n);
  }
}

}  // namespace

void round_to_math(const float* in, float* out, int64_t n, MathMode math) {
  parallel_for(n, 1, [&](int64_t begin, int64_t end) { round_run(in + begin, 1, out + begin, 1, end - begin, math); });
}

TensorDesc operand_for_math(const TensorDesc& t, WorkspaceSlot slot, bool follows) {
  const MathMode math = current_math();
  if (!follows || math == MathMode::Fp32 || t.dtype != DType::F32 || !t.present() || t.numel() == 0) return t;
  TensorDesc copy = t;
  copy.data = thread_workspace<float>(slot, t.numel());
  for (int64_t d = t.ndim - 1, stride = 1; d >= 0; stride *= t.shape[d], --d) copy.strides[d] = stride;
  const float* in = static_cast<const float*>(t.data);
  float* out = static_cast<float*>(copy.data);
  if (t.is_contiguous()) {
    round_to_math(in, out, t.numel(), math);
    return copy;
  }
  StridedLoop<2> loop({&copy, &t});
  parallel_for(loop.size(), 1, [&](int64_t begin, int64_t end) {
    loop.for_elements(begin, end, [&](const std::array<int64_t, 2>& offsets, int64_t length) {
      round_run(in + offsets[1], loop.inner_stride(1), out + offsets[0], loop.inner_stride(0), length, math);
    });
  });
  return copy;
}

GemmDesc operands_for_math(const GemmDesc& g) {
  if (current_math() == MathMode::Fp32 || g.dtype != DType::F32) return g;
  // Each operand as a [batch, rows, columns] tensor; a batch stride of 0 (one matrix for every
  // batch entry) is kept, so that matrix is rounded once.
  auto rounded = [&](const MatrixDesc& m, int64_t rows, int64_t columns, WorkspaceSlot slot) {
    const int64_t batch = m.batch_stride == 0 ? 1 : g.batch;
    TensorDesc t{.data = m.data,
                 .dtype = DType::F32,
                 .ndim = 3,
                 .shape = {batch, rows, columns},
                 .strides = {m.batch_stride, m.row_stride, m.col_stride}};
    const TensorDesc copy = operand_for_math(t, slot);
    return MatrixDesc{copy.data, batch == 1 ? 0 : rows * columns, columns, 1};
  };
  GemmDesc out = g;
  out.a = rounded(g.a, g.m, g.k, WorkspaceSlot::kRoundedFirst);
  out.b = rounded(g.b, g.k, g.n, WorkspaceSlot::kRoundedSecond);
  return out;
}

}  // namespace ganforge::kernels::cpu
