#include "gan/eval/inception_score.h"

#include <cmath>
#include <string>
#include <vector>

#include "gan/eval/checks.h"

namespace ganforge::eval {
namespace {

constexpr double kRowSumTolerance = 1e-3;

// exp(mean KL(p(y|x) || p(y))) over the rows of one split.
double split_score(const Eigen::MatrixXd& probabilities) {
  const Eigen::RowVectorXd marginal = probabilities.colwise().mean();
  double kl_sum = 0;
  for (Eigen::Index r = 0; r < probabilities.rows(); ++r)
    for (Eigen::Index c = 0; c < probabilities.cols(); ++c) {
      const double p = probabilities(r, c);
      if (p > 0) kl_sum += p * (std::log(p) - std::log(marginal(c)));  // p > 0 implies marginal(c) > 0
    }
  return std::exp(kl_sum / static_cast<double>(probabilities.rows()));
}

}  // namespace

InceptionScore inception_score(const FeatureMatrix& probabilities, int splits) {
  if (splits < 1) detail::fail("inception_score", "splits must be at least 1; got " + std::to_string(splits));
  detail::check_matrix("inception_score", "probabilities", probabilities, splits,
                       "[n, classes] (one row of class probabilities per sample, n >= splits)");
  Eigen::MatrixXd p = detail::to_float64(probabilities);
  for (Eigen::Index r = 0; r < p.rows(); ++r) {
    const double sum = p.row(r).sum();
    if (p.row(r).minCoeff() < 0 || std::abs(sum - 1.0) > kRowSumTolerance)
      detail::fail("inception_score", "probabilities must have non-negative rows that sum to 1; row " +
                                          std::to_string(r) + " sums to " + std::to_string(sum) +
                                          " with smallest element " + std::to_string(p.row(r).minCoeff()));
    p.row(r) /= sum;
  }
  std::vector<double> scores;
  for (int i = 0; i < splits; ++i) {
    const Eigen::Index begin = p.rows() * i / splits, end = p.rows() * (i + 1) / splits;
    scores.push_back(split_score(p.middleRows(begin, end - begin)));
  }
  double mean = 0;
  for (double score : scores) mean += score;
  mean /= splits;
  double variance = 0;
  for (double score : scores) variance += (score - mean) * (score - mean);
  return {mean, std::sqrt(variance / splits)};
}

}  // namespace ganforge::eval
