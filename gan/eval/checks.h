// The input checks the metrics share (not part of the public API): a bad input is one
// std::invalid_argument whose message names the function, the argument and the form it must
// have, never a crash or a NaN result.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <string>

#include "gan/eval/features.h"

namespace ganforge::eval::detail {

[[noreturn]] void fail(const std::string& function, const std::string& message);

// `matrix` must be a non-null [rows >= min_rows, cols >= 1] matrix of finite values; `layout`
// says what a row is, e.g. "[N, D] (one sample per row)".
void check_matrix(const std::string& function, const std::string& name, const FeatureMatrix& matrix, int64_t min_rows,
                  const std::string& layout);

// The matrix in float64 (column-major, as Eigen's algorithms want it).
Eigen::MatrixXd to_float64(const FeatureMatrix& matrix);

}  // namespace ganforge::eval::detail
