// Tensors on the cuda-sim device: ops dispatch to the cuda-sim backend (the CUDA kernels under
// the SIMT emulator) and agree with the same program on the CPU, forward and backward; and the
// caching allocator behind the device's memory.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/dispatch.h"
#include "core/ganforge.h"
#include "kernels/cuda/instances.h"
#include "kernels/registry.h"

namespace ganforge {
namespace {

const Device kSim{DeviceType::CUDASim, 0};

TEST(CudaSimDevice, DispatchSelectsTheEmulatedCudaKernels) {
  EXPECT_STREQ(backend_for(kSim).name(), "cuda-sim");
  EXPECT_EQ(current_kernels(DeviceType::CUDASim), "cuda-sim");
  KernelsGuard guard("cuda-sim");  // selecting it by name works too
  EXPECT_EQ(current_kernels(DeviceType::CUDASim), "cuda-sim");
  EXPECT_EQ(current_kernels(DeviceType::CPU), "cpu");
}

TEST(CudaSimDevice, MlpStepMatchesTheCpu) {
  const TensorOptions f64 = TensorOptions{}.with_dtype(DType::F64);
  Tensor x = randn({16, 8}, f64), w = randn({8, 4}, f64);
  Tensor w_cpu = w.detach().requires_grad_();
  Tensor w_sim = w.to(kSim).detach().requires_grad_();
  Tensor loss_cpu = mean(pow(exp(matmul(x, w_cpu)) - 1.0, 2.0));
  Tensor loss_sim = mean(pow(exp(matmul(x.to(kSim), w_sim)) - 1.0, 2.0));
  EXPECT_EQ(loss_sim.device(), kSim);
  loss_cpu.backward();
  loss_sim.backward();
  const double want = loss_cpu.to_vector<double>()[0];
  EXPECT_NEAR(loss_sim.to(Device{}).to_vector<double>()[0], want, 1e-12 * std::abs(want));
  std::vector<double> g_cpu = w_cpu.grad().to_vector<double>(), g_sim = w_sim.grad().to(Device{}).to_vector<double>();
  ASSERT_EQ(g_cpu.size(), g_sim.size());
  for (size_t i = 0; i < g_cpu.size(); ++i) EXPECT_NEAR(g_sim[i], g_cpu[i], 1e-12 * (1 + std::abs(g_cpu[i]))) << i;
}

}  // namespace
}  // namespace ganforge

namespace ganforge {
namespace {

using kernels::DeviceMemoryStats;

constexpr int64_t kMiB = int64_t{1} << 20;

// The caching allocator behind cuda-sim's allocate / deallocate (kernels/cuda/backend.cu), the
// same code as the cuda backend's. Counters are compared as differences from a fresh start.
TEST(CudaSimAllocator, FreedBlocksServeLaterRequestsOfTheirSizeClass) {
  kernels::Backend& sim = kernels::cuda_sim_backend();
  kernels::cuda_sim_empty_cache();
  const DeviceMemoryStats start = kernels::cuda_sim_memory_stats();
  EXPECT_EQ(start.cached_bytes, 0);
  auto since_start = [&] {
    DeviceMemoryStats s = kernels::cuda_sim_memory_stats();
    s.allocated_bytes -= start.allocated_bytes;
    s.hits -= start.hits;
    s.misses -= start.misses;
    return s;
  };

  void* a = sim.allocate(1000);  // class 1024 (512 B steps below 1 MiB)
  EXPECT_EQ(since_start().allocated_bytes, 1024);
  EXPECT_EQ(since_start().misses, 1);
  sim.deallocate(a);
  EXPECT_EQ(since_start().allocated_bytes, 0);
  EXPECT_EQ(since_start().cached_bytes, 1024);
  void* b = sim.allocate(513);  // the same class: the freed block, at once
  EXPECT_EQ(b, a);
  EXPECT_EQ(since_start().hits, 1);
  EXPECT_EQ(since_start().cached_bytes, 0);
  void* c = sim.allocate(1025);         // class 1536: a new block
  void* d = sim.allocate(kMiB + 1);     // 2 MiB steps from 1 MiB on
  void* e = sim.allocate(3 * kMiB);     // class 4 MiB
  EXPECT_NE(c, a);
  EXPECT_EQ(since_start().misses, 4);
  EXPECT_EQ(since_start().allocated_bytes, 1024 + 1536 + 2 * kMiB + 4 * kMiB);
  EXPECT_GE(kernels::cuda_sim_memory_stats().peak_allocated_bytes, since_start().allocated_bytes);
  for (void* p : {b, c, d, e}) sim.deallocate(p);
  EXPECT_EQ(since_start().allocated_bytes, 0);
  EXPECT_EQ(since_start().cached_bytes, 1024 + 1536 + 6 * kMiB);
  void* f = sim.allocate(2 * kMiB);  // the (1 MiB + 1)-byte request's block
  EXPECT_EQ(f, d);
  sim.deallocate(f);

  kernels::cuda_sim_empty_cache();  // everything cached goes back to the device
  EXPECT_EQ(since_start().cached_bytes, 0);
  void* g = sim.allocate(1000);
  EXPECT_EQ(since_start().misses, 5);
  sim.deallocate(g);
  EXPECT_THROW(sim.deallocate(g), std::invalid_argument);  // freed twice
}

TEST(CudaSimAllocator, OutOfMemoryReleasesTheCacheAndNamesCudaMalloc) {
  kernels::Backend& sim = kernels::cuda_sim_backend();
  sim.deallocate(sim.allocate(4096));
  ASSERT_GT(kernels::cuda_sim_memory_stats().cached_bytes, 0);
  try {
    sim.allocate(size_t{1} << 62);
    FAIL() << "a 4 EiB allocation must fail";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cudaMalloc failed"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("out of memory"), std::string::npos) << e.what();
  }
  EXPECT_EQ(kernels::cuda_sim_memory_stats().cached_bytes, 0);  // given back before the retry
  // the failure was reported once: the next kernel launch does not report it again
  EXPECT_EQ((ones({3}).to(kSim) * 2.0).to(Device{}).to_vector<float>(), std::vector<float>(3, 2.0f));
}

// A training step's temporaries come from the cache once it is warm: the second identical
// step calls cudaMalloc no more (the loss's per-block partials are freed as soon as its final
// pass is queued), and gives the same values.
TEST(CudaSimAllocator, ARepeatedStepIsServedFromTheCache) {
  Tensor x = randn({64, 10}).to(kSim), w = randn({10, 3}).to(kSim);
  Tensor labels = from_vector(std::vector<int64_t>(64, 2), {64}).to(kSim);
  auto step = [&] {
    Tensor wg = w.detach().requires_grad_();
    Tensor loss = cross_entropy(matmul(x, wg), labels) + mse_loss(wg, zeros({10, 3}).to(kSim));
    loss.backward();
    return std::pair{loss.to(Device{}).item<float>(), wg.grad().to(Device{}).to_vector<float>()};
  };
  const auto first = step();
  const DeviceMemoryStats warm = kernels::cuda_sim_memory_stats();
  const auto second = step();
  const DeviceMemoryStats after = kernels::cuda_sim_memory_stats();
  EXPECT_EQ(after.misses, warm.misses);
  EXPECT_GT(after.hits, warm.hits);
  EXPECT_EQ(first, second);  // the loss's reduction order is fixed: bit for bit
}

// The math modes reach the kernels: a convolution (fprop, and dgrad and wgrad through its
// backward) and a matmul on operands chosen so that each mode gives a different, exact answer,
// on cuda-sim's tensor-core kernels and on the cpu backend, which rounds the operands the same
// way (kernels/cpu/operand_rounding.h); onednn computes in FP32 in every mode.
// a = 1 + 3·2^-12: tf32 rounds it to nearest (away from zero on a tie) to 1 + 2^-10 (the
// hardware's plain truncation would give 1), bf16 to 1. b = 1 + 2^-8: exact in tf32; in bf16 a
// tie between 1 and 1 + 2^-7 that rounds to the even 1. Every product and partial sum below is
// exact in f32, so the results are the rounded operands' products, bit for bit.
// A pass whose GEMM has at most 4 rows (kernels::kFp32ConvRows) stays in FP32: with 3 output
// channels fprop's and wgrad's (rows: output channels) do; dgrad's (rows: 8 input channels) not.
TEST(CudaSimDevice, MathModesRoundTheOperandsOfConvolutionsAndMatmuls) {
  const double a = 1 + 3 * 0x1p-12, b = 1 + 0x1p-8;
  struct Expected {
    MathMode math;
    double a, b;  // as the tensor cores see them
  };
  auto all_equal = [](const Tensor& t, double want) {
    for (float v : t.to(Device{}).to_vector<float>())
      if (v != static_cast<float>(want)) return ::testing::AssertionFailure() << v << " instead of " << want;
    return ::testing::AssertionSuccess();
  };
  std::vector<std::string> names = {"cuda-sim", "cpu"};
  for (const kernels::Backend* backend : kernels::all_backends())
    if (std::string(backend->name()) == "onednn") names.push_back("onednn");
  for (const std::string& name : names) {
    const KernelsGuard selected(name);
    const Device device = name == "cuda-sim" ? kSim : Device{};
    const bool follows = backend_for(device).follows_math();
    EXPECT_EQ(follows, name != "onednn");
    for (const Expected& e : {Expected{MathMode::Fp32, a, b}, Expected{MathMode::Tf32, 1 + 0x1p-10, b}, Expected{MathMode::Bf16, 1, 1}}) {
      SCOPED_TRACE(name + " " + math_name(e.math));
      const MathGuard mode(e.math);
      const double ea = follows ? e.a : a, eb = follows ? e.b : b;
      for (const int64_t out_channels : {8, 3}) {
        SCOPED_TRACE(std::to_string(out_channels) + " output channels");
        const bool rounds = out_channels > kernels::kFp32ConvRows;
        Tensor x = full({2, 8, 4, 4}, a).to(device).requires_grad_(), w = full({out_channels, 8, 1, 1}, b).to(device).requires_grad_();
        Tensor y = conv2d(x, w);
        sum(y).backward();
        EXPECT_TRUE(all_equal(y, rounds ? 8 * ea * eb : 8 * a * b)) << "fprop: 8 input channels";
        EXPECT_TRUE(all_equal(w.grad(), rounds ? 32 * ea : 32 * a)) << "wgrad: 2 x 4 x 4 pixels, dy = 1";
        EXPECT_TRUE(all_equal(x.grad(), out_channels * eb)) << "dgrad: dy = 1";
      }
      EXPECT_TRUE(all_equal(matmul(full({5, 12}, a).to(device), full({12, 7}, b).to(device)), 12 * ea * eb)) << "gemm";
      EXPECT_TRUE(all_equal(matmul(full({3, 12}, a).to(device), full({12, 7}, b).to(device)), 12 * ea * eb))
          << "a GEMM of 3 rows follows the mode too";
    }
  }
}

}  // namespace
}  // namespace ganforge
