// The emulator's tensor-core twins (kernels/simt/simt.h): mma.sync m16n8k8 TF32 and m16n8k16
// BF16 with f32 accumulation, ldmatrix and cp.async. Known answers placed by hand from the PTX
// ISA's fragment diagrams pin which lane and register holds each element; integer-valued
// matrices give exact results; the operand roundings match the hardware's; a cp.async is seen
// only after the wait that covers it.
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
  const float c[4] = {__uint_as_float(r[6]), __uint_as_float(r[7]), __uint_as_float(r[8]), __uint_as_float(r[9])};
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
    for (int i = 0; i < 4; ++i)
      EXPECT_EQ(d[l * 4 + i], l == lane && i == reg ? 1.0f : 0.0f) << "lane " << l << " d" << i;
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
      auto pack = [](float lo, float hi) {
        return uint32_t(float_to_bf16_rn(lo)) | uint32_t(float_to_bf16_rn(hi)) << 16;
      };
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
        EXPECT_EQ(d[lane * 4 + i], static_cast<float>(expected))
            << (bf16 ? "bf16" : "tf32") << " lane " << lane << " d" << i;
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
  r.b(0, 0) = bits_of(1.0f);                          // B(0, 0)
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

// Four 8x8 matrices of 16-bit values 64·matrix + 8·row + col in shared memory (rows padded to
// 24 elements, so row addresses stay 16-byte aligned but are not contiguous); every lane loads
// with its row address and writes its `Matrices` registers.
template <int Matrices>
__global__ void ldmatrix_kernel(uint32_t* out, bool transpose, int misalign) {
  __shared__ __align__(16) uint16_t tiles[4][8][24];
  for (int e = threadIdx.x; e < 4 * 8 * 8; e += 32) tiles[e / 64][e / 8 % 8][e % 8] = static_cast<uint16_t>(e);
  __syncthreads();
  const unsigned matrix = threadIdx.x / 8 % Matrices, row = threadIdx.x % 8;
  uint32_t registers[Matrices];
  ldmatrix_sync<Matrices>(
      registers, reinterpret_cast<const char*>(&tiles[matrix][row][0]) + (threadIdx.x == 3 ? misalign : 0), transpose);
  for (int i = 0; i < Matrices; ++i) out[threadIdx.x * Matrices + i] = registers[i];
}

template <int Matrices>
std::vector<uint32_t> run_ldmatrix(bool transpose) {
  DeviceBuffer<uint32_t> out(32 * Matrices);
  launch(ldmatrix_kernel<Matrices>, dim3(1), dim3(32), 0, nullptr, out.data, transpose, 0);
  return out.to_host();
}

uint32_t pair(uint32_t low, uint32_t high) { return low | high << 16; }

// From the ISA's ldmatrix diagram: lane 5 holds row 1, columns 2 and 3 (values 10, 11); with
// .trans, rows 2 and 3 of column 1 (17, 25). Matrix i is register i.
TEST(SimtTensorCore, LdmatrixKnownAnswers) {
  EXPECT_EQ(run_ldmatrix<1>(false)[5], pair(10, 11));
  EXPECT_EQ(run_ldmatrix<1>(true)[5], pair(17, 25));
  const std::vector<uint32_t> x4 = run_ldmatrix<4>(false), x4t = run_ldmatrix<4>(true);
  for (unsigned lane = 0; lane < 32; ++lane)
    for (unsigned i = 0; i < 4; ++i) {
      const unsigned g = lane / 4, c = 2 * (lane % 4);
      EXPECT_EQ(x4[lane * 4 + i], pair(64 * i + 8 * g + c, 64 * i + 8 * g + c + 1)) << lane << " " << i;
      EXPECT_EQ(x4t[lane * 4 + i], pair(64 * i + 8 * c + g, 64 * i + 8 * (c + 1) + g)) << lane << " " << i;
    }
  EXPECT_EQ(run_ldmatrix<2>(false)[31 * 2 + 1], pair(64 + 8 * 7 + 6, 64 + 8 * 7 + 7));
}

TEST(SimtTensorCore, LdmatrixRefusesAnUnalignedRow) {
  DeviceBuffer<uint32_t> out(32);
  try {
    launch(ldmatrix_kernel<1>, dim3(1), dim3(32), 0, nullptr, out.data, false, 4);
    FAIL() << "a row address must be 16-byte aligned";
  } catch (const KernelError& e) {
    EXPECT_NE(std::string(e.what()).find("lane 3 is not 16-byte aligned"), std::string::npos) << e.what();
  }
}

// Two groups of 16-byte copies into dynamic shared memory (NaN until written); after waiting
// for all but `pending` groups each thread reads its two slots back.
__global__ void cp_async_kernel(const float4* in, float* out, int pending) {
  GANFORGE_DYNAMIC_SHARED(float4, staged);
  cp_async_copy(&staged[threadIdx.x], &in[threadIdx.x], 16);
  cp_async_commit();
  cp_async_copy(&staged[blockDim.x + threadIdx.x], &in[blockDim.x + threadIdx.x], 16);
  cp_async_commit();
  if (pending >= 0) cp_async_wait(pending);
  __syncthreads();
  out[2 * threadIdx.x] = staged[threadIdx.x].x;
  out[2 * threadIdx.x + 1] = staged[blockDim.x + threadIdx.x].x;
}

TEST(SimtTensorCore, CpAsyncIsSeenOnlyAfterItsWait) {
  const int threads = 32;
  std::vector<float4> values(2 * threads);
  for (int i = 0; i < 2 * threads; ++i) values[i] = make_float4(float(i), 0, 0, 0);
  DeviceBuffer<float4> in(values.size());
  DeviceBuffer<float> out(2 * threads);
  cudaMemcpy(in.data, values.data(), values.size() * sizeof(float4), cudaMemcpyHostToDevice);
  for (int pending : {0, 1, -1}) {  // -1: no wait at all (a race on a GPU)
    launch(cp_async_kernel, dim3(1), dim3(threads), 2 * threads * sizeof(float4), nullptr, in.data, out.data, pending);
    const std::vector<float> host = out.to_host();
    for (int t = 0; t < threads; ++t) {
      if (pending <= 1 && pending >= 0)
        EXPECT_EQ(host[2 * t], float(t)) << "the first group is waited for, pending " << pending;
      else
        EXPECT_TRUE(std::isnan(host[2 * t])) << "no wait: the copy has not landed";
      if (pending == 0)
        EXPECT_EQ(host[2 * t + 1], float(threads + t));
      else
        EXPECT_TRUE(std::isnan(host[2 * t + 1])) << "the newest group is still pending, pending " << pending;
    }
  }
}

__global__ void cp_async_bad_size(const float* in, float* out) {
  GANFORGE_DYNAMIC_SHARED(float, staged);
  cp_async_copy(staged, in, 12);
  cp_async_wait(0);
  out[0] = staged[0];
}

TEST(SimtTensorCore, CpAsyncRefusesASizeTheHardwareHasNot) {
  DeviceBuffer<float> in(4), out(1);
  try {
    launch(cp_async_bad_size, dim3(1), dim3(1), 16, nullptr, in.data, out.data);
    FAIL() << "cp.async copies 4, 8 or 16 bytes";
  } catch (const KernelError& e) {
    EXPECT_NE(std::string(e.what()).find("4, 8 or 16 bytes, not 12"), std::string::npos) << e.what();
  }
}

}  // namespace
