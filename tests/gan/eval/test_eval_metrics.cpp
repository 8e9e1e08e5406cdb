// The evaluation metrics (gan/eval) against closed forms, hand-checked examples and brute force.
// Tolerances come from the math: float64 rounding (eps = 2.2e-16 per operation, growing with
// the number of terms summed) for exact forms, sampling error for sample-based checks; each test
// says which.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "gan/eval/features.h"
#include "gan/eval/frechet.h"

namespace ganforge::eval {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// Row-major float storage and its view.
struct Matrix {
  std::vector<float> values;
  int64_t rows = 0, cols = 0;
  FeatureMatrix view() const { return {values.data(), rows, cols}; }
};

Matrix from_rows(const std::vector<std::vector<float>>& rows) {
  Matrix m{{}, static_cast<int64_t>(rows.size()), static_cast<int64_t>(rows.empty() ? 0 : rows[0].size())};
  for (const auto& row : rows) m.values.insert(m.values.end(), row.begin(), row.end());
  return m;
}

Matrix gaussian_matrix(int64_t rows, int64_t cols, uint64_t seed, double offset = 0) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  Matrix m{std::vector<float>(rows * cols), rows, cols};
  for (float& v : m.values) v = static_cast<float>(offset + normal(rng));
  return m;
}

// `call` must throw std::invalid_argument whose message contains `fragment` (the argument's name).
void expect_invalid(const std::function<void()>& call, const std::string& fragment) {
  try {
    call();
    ADD_FAILURE() << "no std::invalid_argument; expected one naming '" << fragment << "'";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos)
        << "message '" << error.what() << "' does not name '" << fragment << "'";
  }
}

// ---------------------------------------------------------------------------------------------
// Gaussian statistics and the Fréchet distance

Eigen::MatrixXd random_rotation(int d, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  Eigen::MatrixXd a(d, d);
  for (Eigen::Index i = 0; i < a.size(); ++i) a.data()[i] = normal(rng);
  return Eigen::HouseholderQR<Eigen::MatrixXd>(a).householderQ();
}

Eigen::VectorXd uniform_vector(int d, double low, double high, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uniform(low, high);
  Eigen::VectorXd v(d);
  for (double& x : v) x = uniform(rng);
  return v;
}

// A random well-conditioned covariance: Q diag(l) Q^T with l in [0.5, 4].
Eigen::MatrixXd random_covariance(int d, uint64_t seed) {
  const Eigen::MatrixXd q = random_rotation(d, seed);
  return q * uniform_vector(d, 0.5, 4.0, seed + 1).asDiagonal() * q.transpose();
}

// The eigensolver is backward stable: each eigenvalue comes out within a small multiple of
// eps |S|, and the distance sums d such terms, each at most |mu1 - mu2|^2 + tr S1 + tr S2 in
// size; 64 d eps times that sum bounds the rounding with room (identical 16-dimensional stats
// give 7e-15 against a bound of 9e-12).
double rounding_bound(const GaussianStats& a, const GaussianStats& b) {
  const double d = static_cast<double>(a.mean.size());
  return 64 * d * kEps * ((a.mean - b.mean).squaredNorm() + a.covariance.trace() + b.covariance.trace());
}

TEST(GaussianStats, MeanAndUnbiasedCovarianceOfAHandExample) {
  // Deviations from the mean (3, 6) are (-2, -4), (0, 0), (2, 4): the sum of their outer
  // products is [[8, 16], [16, 32]], divided by n - 1 = 2. Small integers: exact in float64.
  const Matrix x = from_rows({{1, 2}, {3, 6}, {5, 10}});
  const GaussianStats stats = gaussian_stats(x.view());
  EXPECT_EQ(stats.mean, Eigen::Vector2d(3, 6));
  EXPECT_EQ(stats.covariance, (Eigen::Matrix2d() << 4, 8, 8, 16).finished());
}

TEST(GaussianStats, CovarianceIsExactlySymmetric) {
  const GaussianStats stats = gaussian_stats(gaussian_matrix(50, 7, 1).view());
  EXPECT_EQ(stats.covariance, stats.covariance.transpose());
}

TEST(FrechetDistance, DiagonalCovariancesMatchTheClosedForm) {
  // Diagonal S1, S2: FD = |mu1 - mu2|^2 + sum (sqrt(a_i) - sqrt(b_i))^2.
  const int d = 6;
  const Eigen::VectorXd a = uniform_vector(d, 0.2, 5.0, 11), b = uniform_vector(d, 0.2, 5.0, 12);
  const GaussianStats first{uniform_vector(d, -1, 1, 13), a.asDiagonal()};
  const GaussianStats second{uniform_vector(d, -1, 1, 14), b.asDiagonal()};
  const double expected = (first.mean - second.mean).squaredNorm() + (a.cwiseSqrt() - b.cwiseSqrt()).squaredNorm();
  EXPECT_NEAR(frechet_distance(first, second), expected, rounding_bound(first, second));
}

TEST(FrechetDistance, CommutingCovariancesMatchTheClosedForm) {
  // S1 = Q diag(a) Q^T and S2 = Q diag(b) Q^T share eigenvectors: the same closed form as the
  // diagonal case, now reached through full matrices.
  const int d = 8;
  const Eigen::MatrixXd q = random_rotation(d, 21);
  const Eigen::VectorXd a = uniform_vector(d, 0.5, 4.0, 22), b = uniform_vector(d, 0.5, 4.0, 23);
  const GaussianStats first{uniform_vector(d, -1, 1, 24), q * a.asDiagonal() * q.transpose()};
  const GaussianStats second{uniform_vector(d, -1, 1, 25), q * b.asDiagonal() * q.transpose()};
  const double expected = (first.mean - second.mean).squaredNorm() + (a.cwiseSqrt() - b.cwiseSqrt()).squaredNorm();
  EXPECT_NEAR(frechet_distance(first, second), expected, rounding_bound(first, second));
}

TEST(FrechetDistance, NonCommuting2x2MatchesTheClosedForm) {
  // For 2 x 2, M = S1^1/2 S2 S1^1/2 has the eigenvalues of S1 S2, and a 2 x 2 PSD M has
  // tr sqrt(M) = sqrt(tr M + 2 sqrt(det M)).
  Eigen::Matrix2d s1, s2;
  s1 << 2.0, 0.5, 0.5, 1.0;
  s2 << 1.0, -0.3, -0.3, 3.0;
  const GaussianStats first{Eigen::Vector2d(0.5, -1.0), s1}, second{Eigen::Vector2d(-0.25, 2.0), s2};
  const double trace_root = std::sqrt((s1 * s2).trace() + 2 * std::sqrt(s1.determinant() * s2.determinant()));
  const double expected = (first.mean - second.mean).squaredNorm() + s1.trace() + s2.trace() - 2 * trace_root;
  EXPECT_NEAR(frechet_distance(first, second), expected, rounding_bound(first, second));
}

TEST(FrechetDistance, IdenticalStatsGiveZeroUpToRounding) {
  const int d = 16;
  const GaussianStats stats{uniform_vector(d, -3, 3, 31), random_covariance(d, 32)};
  const double distance = frechet_distance(stats, stats);
  EXPECT_GE(distance, 0.0);
  EXPECT_LE(distance, rounding_bound(stats, stats));
}

TEST(FrechetDistance, SingularCovariancesStayNonNegative) {
  // 3 samples in 10 dimensions: rank 2. Each of the 8 zero eigenvalues of S^1/2 S S^1/2 comes out
  // as up to ~eps |S|^2 (negative ones are clamped), whose square root is sqrt(eps) |S|; so the
  // distance to itself is 0 only to about 2 d sqrt(eps) tr S (see frechet.h).
  const GaussianStats stats = gaussian_stats(gaussian_matrix(3, 10, 33).view());
  const double distance = frechet_distance(stats, stats);
  EXPECT_GE(distance, 0.0);
  EXPECT_LE(distance, 2 * 10 * std::sqrt(kEps) * stats.covariance.trace());
}

TEST(FrechetDistance, IsSymmetricInItsArguments) {
  // tr sqrt(S1^1/2 S2 S1^1/2) = tr sqrt(S2^1/2 S1 S2^1/2): both are sums of the square roots
  // of the eigenvalues of S1 S2. The two are computed differently, so they agree to rounding.
  const int d = 10;
  const GaussianStats first{uniform_vector(d, -1, 1, 41), random_covariance(d, 42)};
  const GaussianStats second{uniform_vector(d, -1, 1, 43), random_covariance(d, 44)};
  EXPECT_NEAR(frechet_distance(first, second), frechet_distance(second, first), rounding_bound(first, second));
}

TEST(FrechetDistance, SampleStatsConvergeToTheExactOnes) {
  // N samples of N(mu, S): the mean's error has covariance S / N (its standard error falls as
  // 1/sqrt(N)), so E|dmu|^2 = tr S / N; the covariance's error E has E|E|_F^2 =
  // ((tr S)^2 + tr S^2) / N, and the trace-root term is quadratic in it with a factor of about
  // 1 / (4 l_min). FD is of order the sum of those, falling as 1/N; 10 times it is a loose bound.
  const int d = 4;
  const Eigen::VectorXd mu = uniform_vector(d, -2, 2, 51);
  const Eigen::MatrixXd s = random_covariance(d, 52);
  const Eigen::MatrixXd root = Eigen::LLT<Eigen::MatrixXd>(s).matrixL();
  const double smallest_eigenvalue = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(s).eigenvalues()(0);
  const GaussianStats exact{mu, s};
  for (const int n : {2000, 200000}) {
    Matrix z = gaussian_matrix(n, d, 53 + n);
    for (int r = 0; r < n; ++r) {
      const Eigen::VectorXd x = mu + root * Eigen::Map<const Eigen::VectorXf>(&z.values[r * d], d).cast<double>();
      for (int c = 0; c < d; ++c) z.values[r * d + c] = static_cast<float>(x(c));
    }
    const double expected_scale =
        (s.trace() + (s.trace() * s.trace() + (s * s).trace()) / (4 * smallest_eigenvalue)) / n;
    EXPECT_LE(frechet_distance(gaussian_stats(z.view()), exact), 10 * expected_scale) << n << " samples";
  }
}

TEST(FrechetDistance, BadInputsThrowNamingTheArgument) {
  const GaussianStats good{Eigen::Vector3d::Zero(), Eigen::Matrix3d::Identity()};
  expect_invalid(
      [&] {
        frechet_distance(good, {Eigen::Vector4d::Zero(), Eigen::Matrix4d::Identity()});
      },
      "second.mean");
  expect_invalid(
      [&] {
        frechet_distance(good, {Eigen::Vector3d::Zero(), Eigen::Matrix2d::Identity()});
      },
      "second.covariance");
  expect_invalid([&] { frechet_distance({Eigen::VectorXd(), Eigen::MatrixXd()}, good); }, "first.mean");
  GaussianStats not_finite = good;
  not_finite.mean(1) = std::numeric_limits<double>::quiet_NaN();
  expect_invalid([&] { frechet_distance(not_finite, good); }, "first");
  GaussianStats negative = good;
  negative.covariance(2, 2) = -1;
  expect_invalid([&] { frechet_distance(good, negative); }, "second.covariance");

  expect_invalid([] { gaussian_stats(from_rows({{1, 2, 3}}).view()); }, "features");
  expect_invalid([] { gaussian_stats(FeatureMatrix{nullptr, 4, 2}); }, "features");
  expect_invalid([] { gaussian_stats(FeatureMatrix{}); }, "features");
  for (const float bad : {kNaN, std::numeric_limits<float>::infinity()})
    expect_invalid([bad] { gaussian_stats(from_rows({{1, 2}, {3, bad}}).view()); }, "features");
}

}  // namespace
}  // namespace ganforge::eval
