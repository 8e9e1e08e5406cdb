// Where a program's time goes, primitive by primitive, as PyTorch's profiler summary shows it:
// calls, total time, share, and GFLOP/s (GEMM and convolutions) or GB/s (everything else).
//
//   Profiler profiler;
//   for (...) { ProfileScope scope(profiler); train_step(); }   // or profiler.start() / stop()
//   std::cout << format_profile(profiler.table());
//
// While a profiler runs, every device's ops go through kernels::ProfilingBackend, which counts
// the calls of the thread that started it (other threads, a data loader's, are not counted).
// When none runs, ops go straight to the selected backend: profiling costs nothing when off.
// On a GPU each call is synchronized to time it (kernels/profiling_backend.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/profiling_backend.h"

namespace ganforge {

// calls, seconds, bytes (each operand's distinct elements) and flops (0 where not counted: then
// the rate is in GB/s) of one primitive ("gemm"), or of one op of it ("activation_forward.tanh").
struct ProfileRow : kernels::PrimitiveTotals {
  std::string name;
};

struct ProfileTable {
  std::vector<ProfileRow> rows;  // the longest total time first
  double seconds = 0;            // the time profiled: every start() to its stop()
  double primitive_seconds() const;
};

// Counts this thread's primitive calls from start() to stop(), as often as they are called;
// table() sums them all. One profiler runs on a thread at a time. With count_emulator, and where
// the build's cuda-sim kernels are instrumented, the SIMT emulator also counts the memory traffic
// of the kernels run meanwhile (the rows' launches, l2_bytes and dram_bytes; core/gpu_estimate.h).
class Profiler {
 public:
  explicit Profiler(bool count_emulator = false);
  ~Profiler();
  Profiler(const Profiler&) = delete;
  Profiler& operator=(const Profiler&) = delete;

  void start();
  void stop();
  bool running() const { return running_; }
  bool counts_emulator() const { return count_emulator_; }
  ProfileTable table() const;

 private:
  bool count_emulator_;
  kernels::PrimitiveCounts counts_;
  double seconds_ = 0;
  bool running_ = false;
  std::chrono::steady_clock::time_point started_;
};

// Runs `profiler` for a scope.
class ProfileScope {
 public:
  explicit ProfileScope(Profiler& profiler) : profiler_(profiler) { profiler_.start(); }
  ~ProfileScope() { profiler_.stop(); }
  ProfileScope(const ProfileScope&) = delete;
  ProfileScope& operator=(const ProfileScope&) = delete;

 private:
  Profiler& profiler_;
};

// A text table with a row per primitive, as ProfileTable orders them, a total row for the
// primitives, and the time spent outside them (autograd, allocation, the framework).
std::string format_profile(const ProfileTable& table);

}  // namespace ganforge
