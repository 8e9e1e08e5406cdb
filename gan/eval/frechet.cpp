#include "gan/eval/frechet.h"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <string>

#include "gan/eval/checks.h"

namespace ganforge::eval {
namespace {

void check_stats(const GaussianStats& stats, const std::string& name, Eigen::Index dimension) {
  const std::string d = std::to_string(dimension);
  if (stats.mean.size() != dimension)
    detail::fail("frechet_distance", name + ".mean must have " + d + " elements (the size of first.mean); got " +
                                         std::to_string(stats.mean.size()));
  if (stats.covariance.rows() != dimension || stats.covariance.cols() != dimension)
    detail::fail("frechet_distance", name + ".covariance must be " + d + " x " + d + " (the size of its mean); got " +
                                         std::to_string(stats.covariance.rows()) + " x " +
                                         std::to_string(stats.covariance.cols()));
  if (!stats.mean.allFinite() || !stats.covariance.allFinite())
    detail::fail("frechet_distance", name + " must hold finite values in its mean and covariance");
}

// A covariance's eigenvalues may fall below 0 by rounding (float32 features, or fewer samples
// than dimensions), never by more than this fraction of the largest one; further below is not a
// covariance.
constexpr double kNegativeEigenvalueTolerance = 1e-6;

void check_positive_semidefinite(const Eigen::VectorXd& eigenvalues, const std::string& name) {
  const double largest = eigenvalues.cwiseAbs().maxCoeff();
  if (eigenvalues.minCoeff() < -kNegativeEigenvalueTolerance * largest)
    detail::fail("frechet_distance", name + ".covariance must be positive semi-definite; its eigenvalues run from " +
                                         std::to_string(eigenvalues.minCoeff()) + " to " +
                                         std::to_string(eigenvalues.maxCoeff()));
}

// V diag(sqrt(max(l, 0))) V^T for the eigenpairs (l, V) of a covariance.
Eigen::MatrixXd covariance_sqrt(const Eigen::MatrixXd& covariance, const std::string& name) {
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(covariance);
  check_positive_semidefinite(solver.eigenvalues(), name);
  const Eigen::VectorXd roots = solver.eigenvalues().cwiseMax(0.0).cwiseSqrt();
  return solver.eigenvectors() * roots.asDiagonal() * solver.eigenvectors().transpose();
}

}  // namespace

double frechet_distance(const GaussianStats& first, const GaussianStats& second) {
  if (first.mean.size() < 1) detail::fail("frechet_distance", "first.mean must have at least 1 element; got 0");
  check_stats(first, "first", first.mean.size());
  check_stats(second, "second", first.mean.size());
  const Eigen::MatrixXd first_covariance = first.covariance.selfadjointView<Eigen::Lower>();
  const Eigen::MatrixXd second_covariance = second.covariance.selfadjointView<Eigen::Lower>();
  const Eigen::MatrixXd root = covariance_sqrt(first_covariance, "first");
  check_positive_semidefinite(
      Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(second_covariance, Eigen::EigenvaluesOnly).eigenvalues(),
      "second");
  const Eigen::MatrixXd product = root * second_covariance * root;
  // The eigensolver reads only the lower triangle, so the product's rounding asymmetry is moot.
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(product, Eigen::EigenvaluesOnly);
  const double trace_root = solver.eigenvalues().cwiseMax(0.0).cwiseSqrt().sum();
  const double distance = (first.mean - second.mean).squaredNorm() + first_covariance.trace() +
                          second_covariance.trace() - 2.0 * trace_root;
  return std::max(distance, 0.0);
}

}  // namespace ganforge::eval
