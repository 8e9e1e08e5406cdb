#include "bench/machine_peak.h"

#include <immintrin.h>

#include <chrono>
#include <cstring>
#include <vector>

namespace ganforge::bench {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// kChains independent FMA chains on the widest vector the build targets, written with
// intrinsics: a plain loop is free to use narrower vectors (g++ prefers 256-bit ones on Intel
// AVX-512 cores) or to keep the chains in memory, and then measures less than the GEMM
// reaches. 12 chains cover 2 FMA ports x 4-6 cycles of latency on every x86 core of the
// last decade and leave registers for the constants.
#if defined(__AVX512F__)
using Vec = __m512;
constexpr int kFloatsPerVec = 16;
inline Vec broadcast(float x) { return _mm512_set1_ps(x); }
inline Vec fma(Vec a, Vec b, Vec c) { return _mm512_fmadd_ps(a, b, c); }
#elif defined(__FMA__)
using Vec = __m256;
constexpr int kFloatsPerVec = 8;
inline Vec broadcast(float x) { return _mm256_set1_ps(x); }
inline Vec fma(Vec a, Vec b, Vec c) { return _mm256_fmadd_ps(a, b, c); }
#else
using Vec = float;
constexpr int kFloatsPerVec = 1;
inline Vec broadcast(float x) { return x; }
inline Vec fma(Vec a, Vec b, Vec c) { return a * b + c; }
#endif

float lane_sum(const Vec& v) {
  const float* lanes = reinterpret_cast<const float*>(&v);
  float sum = 0;
  for (int i = 0; i < kFloatsPerVec; ++i) sum += lanes[i];
  return sum;
}

double measure_fma_gflops() {
  constexpr int kChains = 12;
  Vec acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = broadcast(static_cast<float>(i) * 1e-3f);
  const Vec a = broadcast(0.999999f), b = broadcast(1e-7f);
  const long iterations = 20'000'000;
  auto start = std::chrono::steady_clock::now();
  for (long it = 0; it < iterations; ++it)
#pragma GCC unroll 12
    for (int i = 0; i < kChains; ++i) acc[i] = fma(acc[i], a, b);
  double elapsed = seconds_since(start);
  volatile float sink = 0;
  for (const Vec& v : acc) sink = sink + lane_sum(v);
  return 2.0 * kChains * kFloatsPerVec * static_cast<double>(iterations) / elapsed * 1e-9;
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
