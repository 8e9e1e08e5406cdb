// The profiler (core/profiler.h) counts every primitive call exactly, with the flops of GEMM and
// the convolution passes and the bytes of their operands; its table is sorted and adds up; and
// when no profiler runs, ops reach their backend directly and nothing is counted.
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <thread>

#include "core/ganforge.h"
#include "core/gpu_estimate.h"
#include "kernels/emulator_counters.h"
#include "kernels/registry.h"

using namespace ganforge;

namespace {

struct Counted {
  int64_t calls;
  double bytes, flops;
  friend bool operator==(const Counted&, const Counted&) = default;
  friend std::ostream& operator<<(std::ostream& os, const Counted& c) {
    return os << "{" << c.calls << " calls, " << c.bytes << " bytes, " << c.flops << " flops}";
  }
};

// Each row's counts by name: everything but the times, which no test asserts.
std::map<std::string, Counted> counted(const ProfileTable& table) {
  std::map<std::string, Counted> rows;
  for (const ProfileRow& row : table.rows) rows[row.name] = {row.calls, row.bytes, row.flops};
  return rows;
}

constexpr double kF32 = 4;

TEST(Profiler, CountsAMatmulAndReluForwardExactly) {
  const int64_t m = 4, k = 3, n = 5;
  Tensor a = randn({m, k}), b = randn({k, n});
  Profiler profiler;
  {
    ProfileScope scope(profiler);
    relu(matmul(a, b));
  }
  const std::map<std::string, Counted> expected = {
      {"gemm", {1, kF32 * (m * k + k * n + m * n), 2.0 * m * n * k}},
      {"activation_forward.relu", {1, kF32 * 2 * m * n, 0}},
  };
  EXPECT_EQ(counted(profiler.table()), expected) << format_profile(profiler.table());
}

TEST(Profiler, CountsTheBackwardsPrimitivesToo) {
  const int64_t m = 4, k = 3, n = 5;
  Tensor a = randn({m, k}), w = randn({k, n}).requires_grad_();
  Profiler profiler;
  {
    ProfileScope scope(profiler);
    sum(relu(matmul(a, w))).backward();
  }
  const std::map<std::string, Counted> expected = {
      {"gemm", {2, 2 * kF32 * (m * k + k * n + m * n), 2 * 2.0 * m * n * k}},  // a·w, then aᵀ·g for w's gradient
      {"activation_forward.relu", {1, kF32 * 2 * m * n, 0}},
      {"reduce.sum", {1, kF32 * (m * n + 1), 0}},
      {"fill", {1, kF32, 0}},  // the seed gradient, 1
      // dx, and x as both x and y (relu's derivative reads x); dy is the seed broadcast, one element
      {"activation_backward.relu", {1, kF32 * (3 * m * n + 1), 0}},
  };  // no copy: w's gradient, fresh from its GEMM, becomes w.grad as it is
  EXPECT_EQ(counted(profiler.table()), expected) << format_profile(profiler.table());
}

TEST(Profiler, CountsEachConvolutionPassWithItsFlops) {
  // x [2, 3, 8, 8], w [4, 3, 3, 3], stride 2, padding 1: y [2, 4, 4, 4]
  Tensor x = randn({2, 3, 8, 8}).requires_grad_(), w = randn({4, 3, 3, 3}).requires_grad_();
  Profiler profiler;
  {
    ProfileScope scope(profiler);
    Tensor y = conv2d(x, w, Tensor(), conv_params(2, 1));
    y.backward(ones_like(y));
  }
  const double flops = 2.0 * (2 * 4 * 4 * 4) * (3 * 3 * 3), bytes = kF32 * (2 * 3 * 8 * 8 + 4 * 3 * 3 * 3 + 2 * 4 * 4 * 4);
  const std::map<std::string, Counted> rows = counted(profiler.table());
  for (const char* pass : {"conv2d_fprop", "conv2d_dgrad", "conv2d_wgrad"}) {
    ASSERT_TRUE(rows.count(pass)) << pass << " missing from\n" << format_profile(profiler.table());
    EXPECT_EQ(rows.at(pass), (Counted{1, bytes, flops})) << pass;
  }
}

TEST(Profiler, TheTableIsSortedAndAddsUp) {
  Tensor x = randn({64, 64}).requires_grad_();
  Profiler profiler;
  for (int step = 0; step < 3; ++step) {
    ProfileScope scope(profiler);
    sum(tanh(matmul(x, x)) * 2.0).backward();
  }
  const ProfileTable table = profiler.table();
  ASSERT_GE(table.rows.size(), 4u) << format_profile(table);
  double seconds = 0;
  int64_t calls = 0;
  for (size_t i = 0; i < table.rows.size(); ++i) {
    if (i > 0) {
      EXPECT_GE(table.rows[i - 1].seconds, table.rows[i].seconds) << "row " << i;
    }
    seconds += table.rows[i].seconds;
    calls += table.rows[i].calls;
  }
  EXPECT_DOUBLE_EQ(table.primitive_seconds(), seconds);
  EXPECT_LE(table.primitive_seconds(), table.seconds);
  EXPECT_EQ(counted(table).at("gemm").calls, 3 * 3);  // x·x, and the gradient through each operand

  const std::string text = format_profile(table);
  EXPECT_EQ(text.rfind("primitive", 0), 0u) << text;
  for (const char* column : {"calls", "total ms", "share", "ms/call", "rate"})
    EXPECT_NE(text.find(column), std::string::npos) << column << " missing from\n" << text;
  for (const ProfileRow& row : table.rows) EXPECT_NE(text.find("\n" + row.name + " "), std::string::npos) << row.name;
  EXPECT_NE(text.find("GFLOP/s"), std::string::npos) << text;  // gemm
  EXPECT_NE(text.find("GB/s"), std::string::npos) << text;     // the rest
  EXPECT_TRUE(std::regex_search(text, std::regex("\nall primitives +" + std::to_string(calls) + " ")))
      << "the total row counts every call\n"
      << text;
  EXPECT_NE(text.find("\noutside primitives "), std::string::npos) << text;
}

TEST(Profiler, CountsNothingWhenOff) {
  Tensor a = randn({8, 8});
  kernels::Backend& cpu = kernels::find_backend("cpu");
  EXPECT_EQ(&backend_for(Device{}), &cpu) << "without a profiler, ops reach the backend directly";
  Profiler profiler;
  EXPECT_TRUE(profiler.table().rows.empty());
  matmul(a, a);  // before start
  profiler.start();
  EXPECT_NE(&backend_for(Device{}), &cpu);
  EXPECT_EQ(current_kernels(DeviceType::CPU), "cpu");
  matmul(a, a);
  profiler.stop();
  matmul(a, a);  // after stop
  EXPECT_EQ(&backend_for(Device{}), &cpu);
  EXPECT_EQ(counted(profiler.table()), (std::map<std::string, Counted>{{"gemm", {1, kF32 * 3 * 64, 2.0 * 8 * 8 * 8}}}));
}

TEST(Profiler, CountsOnlyTheThreadThatStartedIt) {
  Tensor a = randn({8, 8});
  Profiler profiler;
  {
    ProfileScope scope(profiler);
    std::thread([&] { exp(matmul(a, a)); }).join();
    relu(a);
  }
  EXPECT_EQ(counted(profiler.table()), (std::map<std::string, Counted>{{"activation_forward.relu", {1, kF32 * 2 * 64, 0}}}));
}

TEST(Profiler, KeepsCountingWhenTheKernelsChange) {
  Tensor a = randn({8, 8});
  Profiler profiler;
  {
    ProfileScope scope(profiler);
    KernelsGuard reference("reference");
    EXPECT_EQ(backend_for(Device{}).name(), std::string("reference"));
    relu(a);
  }
  EXPECT_EQ(&backend_for(Device{}), &kernels::find_backend("cpu"));
  EXPECT_EQ(counted(profiler.table()).at("activation_forward.relu").calls, 1);
}

TEST(Profiler, OneRunsOnAThreadAtATime) {
  Profiler first, second;
  ProfileScope scope(first);
  EXPECT_THROW(second.start(), std::logic_error);
  EXPECT_THROW(first.start(), std::logic_error);
}

// The CUDA runtime's device names find their datasheet column: a variant before the SXM part
// whose name it contains.
TEST(GpuEstimate, DeviceNamesFindTheirDatasheetColumn) {
  EXPECT_EQ(find_gpu("NVIDIA H100 80GB HBM3")->dram_bytes_per_second, 3.35e12);
  EXPECT_EQ(find_gpu("NVIDIA H100 NVL")->dram_bytes_per_second, 3.9e12);
  EXPECT_EQ(find_gpu("NVIDIA H100 PCIe")->fp32_flops_per_second, 51e12);
  EXPECT_EQ(find_gpu("NVIDIA H200")->dram_bytes_per_second, 4.8e12);
  EXPECT_EQ(find_gpu("NVIDIA A100-SXM4-80GB")->dram_bytes_per_second, 2.039e12);
  EXPECT_EQ(find_gpu("NVIDIA A100-SXM4-40GB")->dram_bytes_per_second, 1.555e12);
  EXPECT_EQ(find_gpu("Tesla T4"), nullptr);
  EXPECT_EQ(datacenter_gpus().at(1).name, "H200");
}

// The GPU estimate's bound for each row is the largest of compute, DRAM and launches: rows built
// so that each one takes exactly 1000 us on an H100 by a different limit.
TEST(GpuEstimate, EachRowIsBoundByComputeMemoryOrLaunches) {
  const GpuSpec& h100 = datacenter_gpus().at(0);
  ASSERT_EQ(h100.name, "H100");
  ProfileTable table;
  auto row = [](const char* name, double flops, double dram_bytes, double launches) {
    ProfileRow r;
    r.name = name;
    r.calls = 1;
    r.flops = flops;
    r.bytes = r.l2_bytes = r.dram_bytes = dram_bytes;
    r.launches = launches;
    return r;
  };
  table.rows = {row("compute_bound", 1e-3 * h100.fp32_flops_per_second, 1, 1),
                row("memory_bound", 0, 1e-3 * h100.dram_bytes_per_second, 1), row("launch_bound", 0, 1, 1e-3 / kLaunchSeconds),
                row("not_on_cuda_sim", 1e12, 1e9, 0)};
  const std::string text = format_gpu_estimate(table, 1);
  for (const char* expected : {"\ncompute_bound ", "\nmemory_bound ", "\nlaunch_bound "}) {
    const size_t at = text.find(expected);
    ASSERT_NE(at, std::string::npos) << expected << " in\n" << text;
    const std::string line = text.substr(at + 1, text.find('\n', at + 1) - at - 1);
    const char limit = expected[1] == 'c' ? 'c' : expected[1] == 'm' ? 'm' : 'l';
    EXPECT_NE(line.find("1000.0 " + std::string(1, limit)), std::string::npos) << line;
  }
  EXPECT_EQ(text.find("not_on_cuda_sim"), std::string::npos) << "rows without launches are not GPU work\n" << text;
  // Two steps profiled: every figure per step is halved.
  EXPECT_NE(format_gpu_estimate(table, 2).find("500.0 c"), std::string::npos);
}

// In the tf32 and bf16 math modes the convolutions and GEMM are bounded by the tensor cores'
// peak and everything else still by FP32's: equal FLOPs, different bounds.
TEST(GpuEstimate, ConvolutionsAndGemmUseTheTensorCorePeakOfTheMathMode) {
  const GpuSpec& h100 = datacenter_gpus().at(0);
  auto row = [](const char* name, double flops) {
    ProfileRow r;
    r.name = name;
    r.calls = 1;
    r.flops = flops;
    r.bytes = r.l2_bytes = r.dram_bytes = 1;
    r.launches = 1;
    return r;
  };
  ProfileTable table;
  table.rows = {row("conv2d_fprop", 1e-3 * h100.tf32_flops_per_second), row("gemm", 1e-3 * h100.bf16_flops_per_second),
                row("batch_norm_forward_train", 1e-3 * h100.fp32_flops_per_second)};
  auto cell = [](const std::string& text, const std::string& name) {
    const size_t at = text.find("\n" + name + " ");
    return at == std::string::npos ? std::string() : text.substr(at + 1, text.find('\n', at + 1) - at - 1);
  };
  const std::string tf32 = format_gpu_estimate(table, 1, MathMode::Tf32), bf16 = format_gpu_estimate(table, 1, MathMode::Bf16);
  EXPECT_NE(tf32.find("math tf32"), std::string::npos) << tf32;
  EXPECT_NE(cell(tf32, "conv2d_fprop").find(" 1000.0 c"), std::string::npos) << tf32;
  EXPECT_NE(cell(bf16, "gemm").find(" 1000.0 c"), std::string::npos) << bf16;
  EXPECT_NE(cell(tf32, "batch_norm_forward_train").find(" 1000.0 c"), std::string::npos) << tf32;
  const std::string fp32 = format_gpu_estimate(table, 1);  // the tensor-core FLOPs take 494.5 / 67 as long on FMA
  EXPECT_NE(cell(fp32, "conv2d_fprop").find(" 7380.6 c"), std::string::npos) << fp32;
}

// A cpu profile never counts the emulator, whatever the constructor asked.
TEST(GpuEstimate, OnlyCudaSimKernelsAreCounted) {
  Tensor a = randn({8, 8});
  Profiler profiler(/*count_emulator=*/true);
  EXPECT_EQ(profiler.counts_emulator(), kernels::emulator_counters_available());
  {
    ProfileScope scope(profiler);
    relu(a);
  }
  const ProfileRow& row = profiler.table().rows.at(0);
  EXPECT_EQ(row.launches, 0);
  EXPECT_EQ(row.dram_bytes, 0);
}

}  // namespace
