#include "gan/eval/manifold.h"

#include <algorithm>
#include <string>
#include <vector>

#include "gan/eval/checks.h"

namespace ganforge::eval {
namespace {

// Rows per block of the distance matrix: 256 x 10,000 float64 distances are 20 MB.
constexpr Eigen::Index kBlockRows = 256;

// Squared distances from rows [begin, begin + count) of `a` to every row of `b`, clamped at 0
// (cancellation in |x|^2 + |y|^2 - 2 x.y can leave a tiny negative for coincident points).
Eigen::MatrixXd squared_distances(const Eigen::MatrixXd& a, const Eigen::VectorXd& a_norms, Eigen::Index begin,
                                  Eigen::Index count, const Eigen::MatrixXd& b, const Eigen::VectorXd& b_norms) {
  Eigen::MatrixXd distances = -2.0 * a.middleRows(begin, count) * b.transpose();
  distances.colwise() += a_norms.segment(begin, count);
  distances.rowwise() += b_norms.transpose();
  return distances.cwiseMax(0.0);
}

// The squared distance from each row to its k-th nearest other row.
Eigen::VectorXd squared_radii(const Eigen::MatrixXd& points, const Eigen::VectorXd& norms, int k) {
  const Eigen::Index n = points.rows();
  Eigen::VectorXd radii(n);
  std::vector<double> others(n - 1);
  for (Eigen::Index begin = 0; begin < n; begin += kBlockRows) {
    const Eigen::Index count = std::min(kBlockRows, n - begin);
    const Eigen::MatrixXd distances = squared_distances(points, norms, begin, count, points, norms);
    for (Eigen::Index i = 0; i < count; ++i) {
      // The sample itself is left out by index, not by its distance (rounding may make it > 0).
      auto out = others.begin();
      for (Eigen::Index j = 0; j < n; ++j)
        if (j != begin + i) *out++ = distances(i, j);
      std::nth_element(others.begin(), others.begin() + (k - 1), others.end());
      radii(begin + i) = others[k - 1];
    }
  }
  return radii;
}

void check_inputs(const FeatureMatrix& real, const FeatureMatrix& fake, int k) {
  if (k < 1) detail::fail("manifold_metrics", "k must be at least 1; got " + std::to_string(k));
  const std::string layout = "[N, D] (one sample per row; k + 1 = " + std::to_string(k + 1) + " rows at least)";
  detail::check_matrix("manifold_metrics", "real", real, int64_t{k} + 1, layout);
  detail::check_matrix("manifold_metrics", "fake", fake, int64_t{k} + 1, layout);
  if (real.cols != fake.cols)
    detail::fail("manifold_metrics", "fake must have as many columns as real (" + std::to_string(real.cols) +
                                         " features per sample); got " + std::to_string(fake.cols));
}

}  // namespace

ManifoldMetrics manifold_metrics(const FeatureMatrix& real, const FeatureMatrix& fake, int k) {
  check_inputs(real, fake, k);
  const Eigen::MatrixXd real64 = detail::to_float64(real), fake64 = detail::to_float64(fake);
  const Eigen::VectorXd real_norms = real64.rowwise().squaredNorm(), fake_norms = fake64.rowwise().squaredNorm();
  const Eigen::VectorXd real_radii = squared_radii(real64, real_norms, k);
  const Eigen::VectorXd fake_radii = squared_radii(fake64, fake_norms, k);

  const Eigen::Index n = real64.rows(), m = fake64.rows();
  std::vector<int64_t> real_balls_holding(m, 0);  // per fake sample: the real balls it lies in
  std::vector<bool> real_in_fake_ball(n, false), real_ball_holds_fake(n, false);
  for (Eigen::Index begin = 0; begin < n; begin += kBlockRows) {
    const Eigen::Index count = std::min(kBlockRows, n - begin);
    const Eigen::MatrixXd distances = squared_distances(real64, real_norms, begin, count, fake64, fake_norms);
    for (Eigen::Index j = 0; j < m; ++j)
      for (Eigen::Index i = 0; i < count; ++i) {
        const Eigen::Index r = begin + i;
        if (distances(i, j) < real_radii(r)) {
          ++real_balls_holding[j];
          real_ball_holds_fake[r] = true;
        }
        if (distances(i, j) < fake_radii(j)) real_in_fake_ball[r] = true;
      }
  }

  ManifoldMetrics metrics;
  int64_t held = 0;
  for (int64_t balls : real_balls_holding) {
    metrics.precision += balls > 0 ? 1 : 0;
    held += balls;
  }
  for (Eigen::Index r = 0; r < n; ++r) {
    metrics.recall += real_in_fake_ball[r] ? 1 : 0;
    metrics.coverage += real_ball_holds_fake[r] ? 1 : 0;
  }
  metrics.precision /= static_cast<double>(m);
  metrics.density = static_cast<double>(held) / (static_cast<double>(k) * static_cast<double>(m));
  metrics.recall /= static_cast<double>(n);
  metrics.coverage /= static_cast<double>(n);
  return metrics;
}

}  // namespace ganforge::eval
