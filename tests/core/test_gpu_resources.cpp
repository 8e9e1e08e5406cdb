// ptxas's kernel table and the occupancy computed from it (core/gpu_resources.h): the
// calculator on cases worked by hand from the published limits, the table of this build
// against what its sources say, and the names both reports share.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/build_info.h"
#include "core/gpu_resources.h"
#include "kernels/kernel_name.h"

namespace {

using ganforge::compiled_kernels;
using ganforge::CompiledKernel;
using ganforge::theoretical_occupancy;

CompiledKernel kernel(int sm, int registers, int64_t shared_bytes = 0) {
  return {"_Z6kernelv", sm, registers, 1, shared_bytes, 0, 0, 0};
}

class Occupancy : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!ganforge::occupancy_available()) GTEST_SKIP() << "no cuda_occupancy.h in this build";
  }
};

TEST_F(Occupancy, FewRegistersFillTheSmWithWarps) {
  for (int sm : {80, 90}) {
    const auto o = theoretical_occupancy(kernel(sm, 32), 256);
    EXPECT_EQ(o.blocks_per_sm, 8) << sm;  // 2048 threads / 256
    EXPECT_EQ(o.warps_per_sm, 64);
    EXPECT_EQ(o.max_warps_per_sm, 64);
    EXPECT_DOUBLE_EQ(o.fraction, 1.0);
    EXPECT_EQ(o.limited_by, "nothing");
  }
}

TEST_F(Occupancy, RegistersLimitWarpsInUnitsOf256PerWarp) {
  // 128 registers x 32 lanes = 4096 a warp: 16 warps in 65536, two blocks of 8 warps
  auto o = theoretical_occupancy(kernel(90, 128), 256);
  EXPECT_EQ(o.blocks_per_sm, 2);
  EXPECT_EQ(o.warps_per_sm, 16);
  EXPECT_EQ(o.limited_by, "registers");
  // 72 registers: 2304 a warp, 28 warps fit, so three whole blocks of 8 (the conv kernels' case)
  o = theoretical_occupancy(kernel(90, 72), 256);
  EXPECT_EQ(o.blocks_per_sm, 3);
  EXPECT_DOUBLE_EQ(o.fraction, 24.0 / 64);
  // 255 registers and 1024 threads: 8160 -> 8192 a warp, 8 warps fit, not the block's 32
  EXPECT_EQ(theoretical_occupancy(kernel(90, 255), 1024).blocks_per_sm, 0);
}

TEST_F(Occupancy, SharedMemoryDependsOnTheArchitecture) {
  // 100 KB a block (opted in; +1 KB the driver reserves): one fits in sm_80's 164 KB, two in
  // sm_90's 228 KB
  EXPECT_EQ(theoretical_occupancy(kernel(80, 32), 128, 100 << 10).blocks_per_sm, 1);
  EXPECT_EQ(theoretical_occupancy(kernel(80, 32), 128, 100 << 10).limited_by, "shared memory");
  EXPECT_EQ(theoretical_occupancy(kernel(90, 32), 128, 100 << 10).blocks_per_sm, 2);
  // static shared memory counts the same way: 40 KB + 1 KB, five in 228 KB
  EXPECT_EQ(theoretical_occupancy(kernel(90, 32, 40 << 10), 128).blocks_per_sm, 5);
  // more than the optin limit cannot be launched
  EXPECT_EQ(theoretical_occupancy(kernel(80, 32), 128, 200 << 10).blocks_per_sm, 0);
}

TEST_F(Occupancy, SmallBlocksAreLimitedByBlocksPerSm) {
  const auto o = theoretical_occupancy(kernel(90, 16), 32);
  EXPECT_EQ(o.blocks_per_sm, 32);
  EXPECT_EQ(o.warps_per_sm, 32);
  EXPECT_EQ(o.limited_by, "blocks");
}

TEST_F(Occupancy, UnknownArchitectureIsAClearError) {
  try {
    theoretical_occupancy(kernel(75, 32), 256);
    FAIL() << "sm_75 has no limits here";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("sm_75"), std::string::npos) << e.what();
  }
}

// The nvcc build's table: every kernel for sm_90 and sm_80, and what the sources fix exactly:
// the GEMM's two staged tiles of 16 x 66 floats (kernels/cuda/tile_mma.h).
TEST(CompiledKernels, TableOfThisBuildMatchesTheSources) {
  bool cuda_compiled = false;
  for (const ganforge::BackendStatus& s : ganforge::backend_statuses()) cuda_compiled |= s.name == "cuda" && s.compiled;
  if (!cuda_compiled) GTEST_SKIP() << "this build compiled no CUDA kernels (no nvcc), so ptxas made no table";
  ASSERT_FALSE(compiled_kernels().empty()) << "nvcc built the cuda backend, but the table of its kernels is empty";
  EXPECT_TRUE(ganforge::occupancy_available()) << "an nvcc build has the CUDA headers, cuda_occupancy.h among them";
  for (int sm : {80, 90}) {
    const auto gemm = std::find_if(compiled_kernels().begin(), compiled_kernels().end(), [&](const CompiledKernel& k) {
      return k.sm == sm && ganforge::kernel_name(k) == "gemm_tiled_shared<float>";
    });
    ASSERT_NE(gemm, compiled_kernels().end()) << "sm_" << sm;
    EXPECT_EQ(gemm->shared_bytes, 2 * 16 * 66 * 4);
    EXPECT_GT(gemm->registers, 16);
    EXPECT_LE(gemm->registers, 255);
    EXPECT_GE(gemm->barriers, 1);
  }
  const auto per_arch = [](int sm) {
    return std::count_if(compiled_kernels().begin(), compiled_kernels().end(),
                         [&](const CompiledKernel& k) { return k.sm == sm; });
  };
  EXPECT_EQ(per_arch(80), per_arch(90));
}

TEST(KernelNames, BothBuildsOfAKernelHaveOneName) {
  using ganforge::kernels::short_kernel_name;
  EXPECT_EQ(short_kernel_name("void ganforge::kernels::cuda_simt::(anonymous namespace)::conv<float, "
                              "ganforge::kernels::cuda_simt::ImageOutput<float> >(ganforge::kernels::cuda_simt::P)"),
            "conv<float, ImageOutput<float> >");
  EXPECT_EQ(
      short_kernel_name("void ganforge::kernels::cuda_device::(anonymous namespace)::conv<float, "
                        "ganforge::kernels::cuda_device::ImageOutput<float> >(ganforge::kernels::cuda_device::P)"),
      "conv<float, ImageOutput<float> >");
  EXPECT_EQ(ganforge::kernels::short_kernel_name_of_symbol("_ZN8ganforge7kernels11cuda_device4fillEv"), "fill");
  EXPECT_EQ(ganforge::kernels::short_kernel_name_of_symbol("not_mangled"), "not_mangled");
}

}  // namespace
