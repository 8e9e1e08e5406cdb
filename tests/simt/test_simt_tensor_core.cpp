// The emulator's tensor-core twins (kernels/simt/simt.h): mma.sync m16n8k8 TF32 and m16n8k16
// BF16 with f32 accumulation. Known answers placed by hand from the PTX ISA's fragment
// diagrams pin which lane and register holds each element; integer-valued matrices give exact
// results; the operand roundings match the hardware's.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/cuda/device.h"
#include "tests/simt/device_buffer.h"

namespace {

using ganforge::kernels::cuda_simt::launch;
using ganforge::simt::KernelError;

uint32_t bits_of(float x) {
  uint32_t b;
  std::memcpy(&b, &x, 4);
  return b;
}
float float_of(uint32_t b) {
  float x;
  std::memcpy(&x, &b, 4);
  return x;
}

// Each lane's registers given directly, as 4 A, 2 B and 4 C words per lane ([32][10]); D back
// as 4 floats per lane. `bf16` picks the instruction.
__global__ void mma_from_registers(const uint32_t* registers, float* d, bool bf16) {
  const uint32_t* r = registers + threadIdx.x * 10;
  const uint32_t a[4] = {r[0], r[1], r[2], r[3]}, b[2] = {r[4], r[5]};
  const float c[4] = {__uint_as_float(r[6]), __uint_as_float(r[7]), __uint_as_float(r[8]),
                      __uint_as_float(r[9])};
  float out[4];
  if (bf16)
    mma_sync_m16n8k16_bf16(out, a, b, c);
  else
    mma_sync_m16n8k8_tf32(out, a, b, c);
  for (int i = 0; i < 4; ++i) d[threadIdx.x * 4 + i] = out[i];
}

struct Registers {
  std::vector<uint32_t> words = std::vector<uint32_t>(32 * 10, 0);
  uint32_t& a(int lane, int i) { return words[lane * 10 + i]; }
  uint32_t& b(int lane, int i) { return words[lane * 10 + 4 + i]; }
  uint32_t& c(int lane, int i) { return words[lane * 10 + 6 + i]; }
};

std::vector<float> run_mma(const Registers& r, bool bf16) {
  DeviceBuffer<uint32_t> registers(r.words.size());
  DeviceBuffer<float> d(32 * 4);
  cudaMemcpy(registers.data, r.words.data(), r.words.size() * 4, cudaMemcpyHostToDevice);
  launch(mma_from_registers, dim3(1), dim3(32), 0, nullptr, registers.data, d.data, bf16);
  return d.to_host();
}

// Only D[lane][reg] is 1; everything else 0.
void expect_single_one(const std::vector<float>& d, int lane, int reg) {
  for (int l = 0; l < 32; ++l)
    for (int i = 0; i < 4; ++i) EXPECT_EQ(d[l * 4 + i], l == lane && i == reg ? 1.0f : 0.0f) << "lane " << l << " d" << i;
}

// From the PTX ISA's m16n8k8 .tf32 diagrams: A(9, 5) is a3 of lane 5 (row g+8, column t+4 with
// g = 1, t = 1), B(5, 3) is b1 of lane 13 (row t+4, column g with g = 3, t = 1), and D(9, 3) is
// d3 of lane 5 (row g+8, column 2t+1).
TEST(SimtTensorCore, Tf32FragmentLayoutKnownAnswer) {
  Registers r;
  r.a(5, 3) = bits_of(1.0f);
  r.b(13, 1) = bits_of(1.0f);
  expect_single_one(run_mma(r, false), 5, 3);
}

// m16n8k16 .bf16: A(9, 13) is the high half of a3 in lane 6 (row g+8, column 2t+8+1 with g = 1,
// t = 2), B(13, 6) the high half of b1 in lane 26 (row 2t+8+1, column g = 6), and D(9, 6) is d2
// of lane 7 (row g+8, column 2t with g = 1, t = 3).
TEST(SimtTensorCore, Bf16FragmentLayoutKnownAnswer) {
  const uint32_t one = float_to_bf16_rn(1.0f);
  Registers r;
  r.a(6, 3) = one << 16;
  r.b(26, 1) = one << 16;
  expect_single_one(run_mma(r, true), 7, 2);
  // the low half is the lower column: A(9, 12) with B(12, 6) gives the same D element
  Registers low;
  low.a(6, 3) = one;
  low.b(26, 1) = one;
  expect_single_one(run_mma(low, true), 7, 2);
}

// Whole integer-valued matrices in the documented layout: D = A·B + C exactly (|products| <= 64,
// sums below 2^24, every value exact in tf32 and bf16).
TEST(SimtTensorCore, IntegerMatricesGiveExactResults) {
  for (bool bf16 : {false, true}) {
    const int k = bf16 ? 16 : 8;
    std::vector<float> A(16 * k), B(k * 8), C(16 * 8);
    for (size_t i = 0; i < A.size(); ++i) A[i] = static_cast<float>(int(i * 7 % 17) - 8);
    for (size_t i = 0; i < B.size(); ++i) B[i] = static_cast<float>(int(i * 5 % 13) - 6);
    for (size_t i = 0; i < C.size(); ++i) C[i] = static_cast<float>(int(i % 11) - 5);
    Registers r;
    for (int lane = 0; lane < 32; ++lane) {
      const int g = lane / 4, t = lane % 4;
      auto a = [&](int row, int col) { return A[row * k + col]; };
      auto b = [&](int row, int col) { return B[row * 8 + col]; };
      auto pack = [](float lo, float hi) { return uint32_t(float_to_bf16_rn(lo)) | uint32_t(float_to_bf16_rn(hi)) << 16; };
      if (!bf16) {
        r.a(lane, 0) = cvt_rna_tf32(a(g, t));
        r.a(lane, 1) = cvt_rna_tf32(a(g + 8, t));
        r.a(lane, 2) = cvt_rna_tf32(a(g, t + 4));
        r.a(lane, 3) = cvt_rna_tf32(a(g + 8, t + 4));
        r.b(lane, 0) = cvt_rna_tf32(b(t, g));
        r.b(lane, 1) = cvt_rna_tf32(b(t + 4, g));
      } else {
        r.a(lane, 0) = pack(a(g, 2 * t), a(g, 2 * t + 1));
        r.a(lane, 1) = pack(a(g + 8, 2 * t), a(g + 8, 2 * t + 1));
        r.a(lane, 2) = pack(a(g, 2 * t + 8), a(g, 2 * t + 9));
        r.a(lane, 3) = pack(a(g + 8, 2 * t + 8), a(g + 8, 2 * t + 9));
        r.b(lane, 0) = pack(b(2 * t, g), b(2 * t + 1, g));
        r.b(lane, 1) = pack(b(2 * t + 8, g), b(2 * t + 9, g));
      }
      r.c(lane, 0) = bits_of(C[g * 8 + 2 * t]);
      r.c(lane, 1) = bits_of(C[g * 8 + 2 * t + 1]);
      r.c(lane, 2) = bits_of(C[(g + 8) * 8 + 2 * t]);
      r.c(lane, 3) = bits_of(C[(g + 8) * 8 + 2 * t + 1]);
    }
    const std::vector<float> d = run_mma(r, bf16);
    for (int lane = 0; lane < 32; ++lane) {
      const int g = lane / 4, t = lane % 4;
      const int rows[4] = {g, g, g + 8, g + 8}, cols[4] = {2 * t, 2 * t + 1, 2 * t, 2 * t + 1};
      for (int i = 0; i < 4; ++i) {
        double expected = C[rows[i] * 8 + cols[i]];
        for (int kk = 0; kk < k; ++kk) expected += double(A[rows[i] * k + kk]) * B[kk * 8 + cols[i]];
        EXPECT_EQ(d[lane * 4 + i], static_cast<float>(expected)) << (bf16 ? "bf16" : "tf32") << " lane " << lane << " d" << i;
      }
    }
  }
}

TEST(SimtTensorCore, OperandRoundingIsTheHardwares) {
  // cvt.rna.tf32.f32: 10 explicit mantissa bits, a tie away from zero
  EXPECT_EQ(float_of(cvt_rna_tf32(1.0f + std::ldexp(1.0f, -11))), 1.0f + std::ldexp(1.0f, -10));
  EXPECT_EQ(float_of(cvt_rna_tf32(-(1.0f + std::ldexp(1.0f, -11)))), -(1.0f + std::ldexp(1.0f, -10)));
  EXPECT_EQ(float_of(cvt_rna_tf32(1.0f + std::ldexp(1.0f, -12))), 1.0f);
  EXPECT_TRUE(std::isinf(float_of(cvt_rna_tf32(INFINITY))));
  // bf16: 7 explicit bits, a tie to even
  auto bf16 = [](float x) { return float_of(uint32_t(float_to_bf16_rn(x)) << 16); };
  EXPECT_EQ(bf16(1.0f + std::ldexp(1.0f, -8)), 1.0f);
  EXPECT_EQ(bf16(1.0f + 3 * std::ldexp(1.0f, -8)), 1.0f + std::ldexp(1.0f, -6));
  EXPECT_EQ(bf16(1.0f + std::ldexp(1.0f, -7)), 1.0f + std::ldexp(1.0f, -7));
  EXPECT_TRUE(std::isnan(bf16(NAN)));
  // the tf32 mma reads only 10 mantissa bits of an unrounded register: (1 + 2^-12) * 1 = 1
  Registers r;
  r.a(0, 0) = bits_of(1.0f + std::ldexp(1.0f, -12));  // A(0, 0)
  r.b(0, 0) = bits_of(1.0f);                            // B(0, 0)
  EXPECT_EQ(run_mma(r, false)[0], 1.0f);
}

__global__ void mma_in_half_a_warp(float* d) {
  const uint32_t a[4] = {}, b[2] = {};
  const float c[4] = {};
  float out[4];
  mma_sync_m16n8k8_tf32(out, a, b, c);
  d[threadIdx.x] = out[0];
}

TEST(SimtTensorCore, APartialWarpIsAClearError) {
  DeviceBuffer<float> d(16);
  try {
    launch(mma_in_half_a_warp, dim3(1), dim3(16), 0, nullptr, d.data);
    FAIL() << "mma.sync needs the whole warp";
  } catch (const KernelError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("mma.sync.m16n8k8.tf32"), std::string::npos) << what;
    EXPECT_NE(what.find("do not exist"), std::string::npos) << what;
  }
}

}  // namespace
