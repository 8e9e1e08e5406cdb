#include "bench/machine_peak.h"

#include <chrono>
#include <cstring>
#include <vector>

namespace ganforge::bench {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// 16 independent chains of 16-wide FMAs (256 floats): enough in flight to cover the FMA
// latency on every x86 core of the last decade; the loop is branch-free and vectorised.
double measure_fma_gflops() {
  constexpr int kLanes = 256;
  alignas(64) float acc[kLanes];
  for (int i = 0; i < kLanes; ++i) acc[i] = static_cast<float>(i) * 1e-3f;
  const float a = 0.999999f, b = 1e-7f;
  const long iterations = 2'000'000;
  auto start = std::chrono::steady_clock::now();
  for (long it = 0; it < iterations; ++it)
#pragma GCC unroll 16
    for (int i = 0; i < kLanes; ++i) acc[i] = acc[i] * a + b;
  double elapsed = seconds_since(start);
  volatile float sink = 0;
  for (float v : acc) sink = sink + v;
  return 2.0 * kLanes * static_cast<double>(iterations) / elapsed * 1e-9;
}

double measure_copy_gbytes() {
  const size_t bytes = size_t{256} << 20;
  std::vector<char> from(bytes, 1), to(bytes, 0);
  std::memcpy(to.data(), from.data(), bytes);  // first touch
  auto start = std::chrono::steady_clock::now();
  const int repeats = 4;
  for (int r = 0; r < repeats; ++r) std::memcpy(to.data(), from.data(), bytes);
  double elapsed = seconds_since(start);
  volatile char sink = to[bytes / 2];
  (void)sink;
  return 2.0 * static_cast<double>(bytes) * repeats / elapsed * 1e-9;
}

}  // namespace

const MachinePeak& machine_peak() {
  static const MachinePeak peak{measure_fma_gflops(), measure_copy_gbytes()};
  return peak;
}

}  // namespace ganforge::bench
