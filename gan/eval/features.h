// The inputs the evaluation metrics read: a row-major float matrix with one sample per row
// (network features, or class probabilities), and the Gaussian a set of features is summarised
// by for the Fréchet distance. A view, not a copy: features of 10,000 samples are the caller's
// buffer, and every metric converts what it reads to float64 itself.
#pragma once

#include <Eigen/Core>
#include <cstdint>

namespace ganforge::eval {

// rows x cols floats, row-major: element (r, c) is data[r * cols + c].
struct FeatureMatrix {
  const float* data = nullptr;
  int64_t rows = 0, cols = 0;
};

// The mean and the unbiased (n - 1) covariance of a set of features, in float64.
struct GaussianStats {
  Eigen::VectorXd mean;
  Eigen::MatrixXd covariance;
};

// Needs at least two rows, one column and only finite values.
GaussianStats gaussian_stats(const FeatureMatrix& features);

}  // namespace ganforge::eval
