// The cpu backend's vectorisable transcendental functions (kernels/cpu/vector_math.h) against
// libm's double precision: tanh_f32 rounds a double evaluation once, so it must be within one
// ulp of the true value for every float, including the edges of its two formulas.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "kernels/cpu/vector_math.h"

namespace ganforge {
namespace {

using kernels::cpu::tanh_f32;

// |got - tanh(x)| in ulps of the float nearest tanh(x)
double ulps_off(float x, float got) {
  const double exact = std::tanh(static_cast<double>(x));
  const float nearest = static_cast<float>(exact);
  const double ulp = std::fabs(static_cast<double>(std::nextafter(nearest, 2.0f)) - nearest);
  return std::fabs(static_cast<double>(got) - exact) / ulp;
}

TEST(CpuVectorMath, TanhIsWithinAnUlpOfTheTrueValueForEveryFloatMagnitude) {
  double worst = 0;
  float worst_x = 0;
  for (uint32_t bits = 0; bits < 0x7f800000u; bits += 97) {  // every 97th positive float
    float x;
    std::memcpy(&x, &bits, sizeof x);
    for (float v : {x, -x}) {
      const double off = ulps_off(v, tanh_f32(v));
      if (off > worst) {
        worst = off;
        worst_x = v;
      }
    }
  }
  EXPECT_LT(worst, 1.0) << "at x = " << worst_x;
}

TEST(CpuVectorMath, TanhAtTheEdgesOfItsFormulas) {
  for (float x : {0.0625f, std::nextafter(0.0625f, 0.0f), 20.0f, std::nextafter(20.0f, 0.0f), 1e-30f, 9.0f, 88.0f})
    for (float v : {x, -x}) EXPECT_LT(ulps_off(v, tanh_f32(v)), 1.0) << "at x = " << v;
}

TEST(CpuVectorMath, TanhKeepsSignedZerosInfinitiesAndNaN) {
  EXPECT_EQ(tanh_f32(0.0f), 0.0f);
  EXPECT_TRUE(std::signbit(tanh_f32(-0.0f)));
  EXPECT_EQ(tanh_f32(std::numeric_limits<float>::infinity()), 1.0f);
  EXPECT_EQ(tanh_f32(-std::numeric_limits<float>::infinity()), -1.0f);
  EXPECT_TRUE(std::isnan(tanh_f32(std::numeric_limits<float>::quiet_NaN())));
  EXPECT_EQ(tanh_f32(std::numeric_limits<float>::max()), 1.0f);
  EXPECT_EQ(tanh_f32(-std::numeric_limits<float>::denorm_min()), -std::numeric_limits<float>::denorm_min());
}

}  // namespace
}  // namespace ganforge
