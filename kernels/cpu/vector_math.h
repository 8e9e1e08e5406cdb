// Transcendental functions written as plain arithmetic and bit operations, so that g++
// vectorises the loops that call them; libm's are scalar calls (tanhf ran at 0.5-1 GB/s, the
// slowest primitive per byte of every generator's output layer).
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>

namespace ganforge::kernels::cpu {

// e^y for 0 <= y <= 40, relative error below 3e-10: y = n·ln2 + r with |r| <= ln2/2, e^r by
// its Taylor series to r^8 (the next term is below 2.1e-10), 2^n put into the exponent bits.
inline double exp_0_to_40(double y) {
  constexpr double kLog2e = 1.4426950408889634, kLn2Hi = 0.6931471803691238, kLn2Lo = 1.9082149292705877e-10;
  constexpr double kRound = 0x1.8p52;  // adding it rounds to an integer, kept in the low bits
  const double shifted = y * kLog2e + kRound;
  const double n = shifted - kRound;
  const double r = (y - n * kLn2Hi) - n * kLn2Lo;
  const double p =
      1 + r * (1 + r * (0.5 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120 + r * (1.0 / 720 + r * (1.0 / 5040 + r / 40320)))))));
  const uint64_t scale = (std::bit_cast<uint64_t>(shifted) << 52) + (uint64_t{1023} << 52);  // 2^n, 0 <= n <= 58
  return p * std::bit_cast<double>(scale);
}

// tanh of a float, evaluated in double and rounded once: within an ulp of the true value.
// Below |x| = 1/16 its odd series to x^7 (the next term is below 2e-13 relative); above,
// 1 - 2/(e^2|x| + 1), whose cancellation costs at most a factor 8 on exp's error; from |x| = 20
// on, ±1. Both are computed and one is kept by arithmetic, with quiet comparisons (isless):
// a branch, or a comparison that may trap on NaN, keeps g++ from vectorising the loop.
inline float tanh_f32(float x) {
  const double v = static_cast<double>(x), a = std::fabs(v);
  const bool is_small = std::isless(a, 0.0625);
  const double small = is_small ? 1.0 : 0.0, s = is_small ? v : 0.0, s2 = s * s;
  const double series = s * (1 + s2 * (-1.0 / 3 + s2 * (2.0 / 15 + s2 * (-17.0 / 315))));
  const double tail = std::copysign(1 - 2 / (exp_0_to_40(2 * (std::isless(a, 20.0) ? a : 20.0)) + 1), v);
  const float t = static_cast<float>(series + (1 - small) * tail);
  return std::isnan(x) ? x : t;
}

}  // namespace ganforge::kernels::cpu
