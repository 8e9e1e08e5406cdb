// Tensors on the cuda-sim device: ops dispatch to the cuda-sim backend (the CUDA kernels under
// the SIMT emulator) and agree with the same program on the CPU, forward and backward.
#include <gtest/gtest.h>

#include "core/dispatch.h"
#include "core/ganforge.h"

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
