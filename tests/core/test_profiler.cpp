// The profiler (core/profiler.h) counts every primitive call exactly, with the flops of GEMM and
// the convolution passes and the bytes of their operands; its table is sorted and adds up; and
// when no profiler runs, ops reach their backend directly and nothing is counted.
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <thread>

#include "core/ganforge.h"
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

}  // namespace
