#include "gan/eval/checks.h"

#include <cmath>
#include <stdexcept>

namespace ganforge::eval::detail {

void fail(const std::string& function, const std::string& message) {
  throw std::invalid_argument(function + ": " + message);
}

void check_matrix(const std::string& function, const std::string& name, const FeatureMatrix& matrix, int64_t min_rows,
                  const std::string& layout) {
  const std::string got = "; got [" + std::to_string(matrix.rows) + ", " + std::to_string(matrix.cols) + "]";
  if (matrix.rows < min_rows || matrix.cols < 1)
    fail(function,
         name + " must be " + layout + " with at least " + std::to_string(min_rows) + " rows and 1 column" + got);
  if (matrix.data == nullptr) fail(function, name + " has a null data pointer" + got);
  const int64_t count = matrix.rows * matrix.cols;
  for (int64_t i = 0; i < count; ++i)
    if (!std::isfinite(matrix.data[i]))
      fail(function, name + " must hold finite values; element (" + std::to_string(i / matrix.cols) + ", " +
                         std::to_string(i % matrix.cols) + ") is " + std::to_string(matrix.data[i]));
}

Eigen::MatrixXd to_float64(const FeatureMatrix& matrix) {
  using RowMajorFloat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  return Eigen::Map<const RowMajorFloat>(matrix.data, matrix.rows, matrix.cols).cast<double>();
}

}  // namespace ganforge::eval::detail
