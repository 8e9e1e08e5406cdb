#include "gan/eval/features.h"

#include "gan/eval/checks.h"

namespace ganforge::eval {

GaussianStats gaussian_stats(const FeatureMatrix& features) {
  detail::check_matrix("gaussian_stats", "features", features, 2, "[N, D] (one sample per row)");
  const Eigen::MatrixXd x = detail::to_float64(features);
  GaussianStats stats;
  stats.mean = x.colwise().mean().transpose();
  const Eigen::MatrixXd centred = x.rowwise() - stats.mean.transpose();
  // One triangle and its mirror, so that the covariance is exactly symmetric.
  Eigen::MatrixXd lower = Eigen::MatrixXd::Zero(features.cols, features.cols);
  lower.selfadjointView<Eigen::Lower>().rankUpdate(centred.transpose(), 1.0 / static_cast<double>(features.rows - 1));
  stats.covariance = lower.selfadjointView<Eigen::Lower>();
  return stats;
}

}  // namespace ganforge::eval
