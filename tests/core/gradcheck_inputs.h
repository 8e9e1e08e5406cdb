// Shared by the gradcheck tests: float64 leaf inputs drawn from a seeded generator, and an
// assertion that reports gradcheck's message at the caller's line.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/ganforge.h"

namespace ganforge::testing {

using Inputs = std::vector<Tensor>;

inline const TensorOptions kF64 = TensorOptions{}.with_dtype(DType::F64);

#define EXPECT_GRADCHECK(...)                                       \
  do {                                                              \
    const ::ganforge::GradcheckResult result_ = gradcheck(__VA_ARGS__); \
    EXPECT_TRUE(result_.ok) << result_.message;                     \
  } while (0)

inline Tensor normal(const Shape& shape, Generator& gen) { return randn(shape, kF64, &gen).requires_grad_(); }

inline Tensor uniform(const Shape& shape, Generator& gen, double low, double high) {
  return rand(shape, kF64, &gen, low, high).requires_grad_();
}

// |x| in [0.25, 2] with random signs: away from the kinks and poles at 0 (abs, relu, 1/x).
inline Tensor away_from_zero(const Shape& shape, Generator& gen) {
  Tensor magnitude = rand(shape, kF64, &gen, 0.25, 2.0);
  Tensor negative = lt(rand(shape, kF64, &gen), scalar_tensor(0.5, kF64));
  Tensor sign = where(negative, full({}, -1.0, kF64), full({}, 1.0, kF64));
  return (magnitude * sign).requires_grad_();
}

// Names value-parameterised tests after the backend they run on.
inline std::string backend_name(const ::testing::TestParamInfo<std::string>& info) { return info.param; }

}  // namespace ganforge::testing
