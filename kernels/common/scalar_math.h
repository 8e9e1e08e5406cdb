// The math functions of the shared formulas, by operand type: float calls the float function
// (expf, ...), double the double one, and int64 goes through double. The same names resolve
// on the host and in device code under nvcc and the emulator.
#pragma once

#include <cmath>
#include <cstdint>

#include "kernels/common/host_device.h"

namespace ganforge::kernels::math {

#define GANFORGE_MATH_1(fn)                                                                              \
  GANFORGE_HOST_DEVICE float fn(float x) { return ::fn##f(x); }                                   \
  GANFORGE_HOST_DEVICE double fn(double x) { return ::fn(x); }                                    \
  GANFORGE_HOST_DEVICE int64_t fn(int64_t x) { return static_cast<int64_t>(::fn(static_cast<double>(x))); }
GANFORGE_MATH_1(exp)
GANFORGE_MATH_1(expm1)
GANFORGE_MATH_1(log)
GANFORGE_MATH_1(sqrt)
GANFORGE_MATH_1(tanh)
GANFORGE_MATH_1(log1p)
#undef GANFORGE_MATH_1

GANFORGE_HOST_DEVICE float pow(float x, float e) { return ::powf(x, e); }
GANFORGE_HOST_DEVICE double pow(double x, double e) { return ::pow(x, e); }
GANFORGE_HOST_DEVICE int64_t pow(int64_t x, int64_t e) {
  return static_cast<int64_t>(::pow(static_cast<double>(x), static_cast<double>(e)));
}

template <class T>
GANFORGE_HOST_DEVICE bool is_nan(T v) {
  return v != v;
}

template <class T>
GANFORGE_HOST_DEVICE T abs(T x) {
  return x < 0 ? -x : x;
}

}  // namespace ganforge::kernels::math
