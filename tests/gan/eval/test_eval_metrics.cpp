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

#include "gan/eval/class_coverage.h"
#include "gan/eval/code_matching.h"
#include "gan/eval/features.h"
#include "gan/eval/frechet.h"
#include "gan/eval/image_quality.h"
#include "gan/eval/inception_score.h"
#include "gan/eval/manifold.h"

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

// ---------------------------------------------------------------------------------------------
// Inception score

// n one-hot rows; row i is class i % classes.
Matrix one_hot_rows(int n, int classes) {
  Matrix m{std::vector<float>(static_cast<size_t>(n) * classes, 0.0f), n, classes};
  for (int i = 0; i < n; ++i) m.values[static_cast<size_t>(i) * classes + i % classes] = 1.0f;
  return m;
}

TEST(InceptionScore, OneHotRowsSpreadOverAllClassesGiveTheClassCount) {
  // KL(one-hot || uniform) = log C for every row: IS = exp(log C) = C. The mean of n = 100 KL
  // terms of log C each is good to n eps log C (the running sum's rounding), and exp turns that
  // absolute error into the relative error of C.
  const InceptionScore score = inception_score(one_hot_rows(100, 10).view());
  EXPECT_NEAR(score.mean, 10.0, 10 * 100 * std::log(10.0) * kEps);
  EXPECT_EQ(score.std, 0.0);
}

TEST(InceptionScore, EverySampleOfOneClassGivesOne) {
  Matrix m{std::vector<float>(50 * 4, 0.0f), 50, 4};
  for (int i = 0; i < 50; ++i) m.values[i * 4 + 2] = 1.0f;
  EXPECT_EQ(inception_score(m.view()).mean, 1.0);  // p(y|x) = p(y) exactly: every KL is log 1 = 0
}

TEST(InceptionScore, UniformRowsGiveOne) {
  // p(y) is the mean of identical rows, equal to them up to a rounding of the mean (n eps).
  const Matrix m{std::vector<float>(30 * 5, 0.2f), 30, 5};
  EXPECT_NEAR(inception_score(m.view()).mean, 1.0, 30 * kEps);
}

TEST(InceptionScore, TwoRowHandExample) {
  // Rows (1, 0) and (1/2, 1/2): p(y) = (3/4, 1/4); KL1 = log(4/3), KL2 = 1/2 log(2/3) + 1/2 log 2.
  const Matrix m = from_rows({{1.0f, 0.0f}, {0.5f, 0.5f}});
  const double expected = std::exp((std::log(4.0 / 3.0) + 0.5 * std::log(2.0 / 3.0) + 0.5 * std::log(2.0)) / 2);
  EXPECT_NEAR(inception_score(m.view()).mean, expected, 16 * kEps);
}

TEST(InceptionScore, SplitsGiveTheMeanAndPopulationStdOfTheirScores) {
  // 10 splits of 20 rows, each 2 of every class: every split scores 10, to 10 * 20 eps log 10 as
  // above.
  const InceptionScore uniform = inception_score(one_hot_rows(200, 10).view(), 10);
  EXPECT_NEAR(uniform.mean, 10.0, 10 * 20 * std::log(10.0) * kEps);
  EXPECT_NEAR(uniform.std, 0.0, 10 * 20 * std::log(10.0) * kEps);
  // Two splits: the first all class 0 (IS 1), the second half class 0 and half class 1 (IS 2);
  // mean 1.5, population std 0.5.
  Matrix m{std::vector<float>(8 * 2, 0.0f), 8, 2};
  for (int i = 0; i < 8; ++i) m.values[i * 2 + (i >= 4 && i % 2 == 1 ? 1 : 0)] = 1.0f;
  const InceptionScore split = inception_score(m.view(), 2);
  EXPECT_NEAR(split.mean, 1.5, 8 * kEps);
  EXPECT_NEAR(split.std, 0.5, 8 * kEps);
}

TEST(InceptionScore, BadInputsThrowNamingTheArgument) {
  const Matrix good = one_hot_rows(4, 2);
  expect_invalid([&] { inception_score(good.view(), 0); }, "splits");
  expect_invalid([&] { inception_score(good.view(), 5); }, "probabilities");
  expect_invalid([] { inception_score(FeatureMatrix{}); }, "probabilities");
  expect_invalid([] { inception_score(from_rows({{1.5f, -0.5f}}).view()); }, "probabilities");
  expect_invalid([] { inception_score(from_rows({{0.5f, 0.4f}}).view()); }, "probabilities");
  expect_invalid([] { inception_score(from_rows({{kNaN, 1.0f}}).view()); }, "probabilities");
}

// ---------------------------------------------------------------------------------------------
// Class coverage

TEST(ClassCoverage, OneRepeatedClassCoversOneWithKlLogC) {
  const std::vector<int64_t> labels(40, 3);
  const ClassCoverage coverage = class_coverage(labels, 10);
  EXPECT_EQ(coverage.classes_covered, 1);
  EXPECT_EQ(coverage.histogram, (std::vector<int64_t>{0, 0, 0, 40, 0, 0, 0, 0, 0, 0}));
  EXPECT_NEAR(coverage.kl_from_uniform, std::log(10.0), 4 * kEps);  // 1 * log(1 * 10): one rounding
}

TEST(ClassCoverage, UniformLabelsCoverAllWithKlZero) {
  std::vector<int64_t> labels;
  for (int i = 0; i < 100; ++i) labels.push_back(i % 10);
  const ClassCoverage coverage = class_coverage(labels, 10);
  EXPECT_EQ(coverage.classes_covered, 10);
  EXPECT_NEAR(coverage.kl_from_uniform, 0.0, 10 * kEps);  // ten terms 0.1 log(0.1 * 10), each ~eps
}

TEST(ClassCoverage, ThresholdIsAShareOfTheUniformShare) {
  // 100 samples over 4 classes: the uniform share is 25; 10% of it is 2.5, so 2 samples is not
  // covered; with the whole share (1.0) required, only 60 and 30 are.
  std::vector<int64_t> labels;
  const int counts[] = {60, 30, 8, 2};
  for (int c = 0; c < 4; ++c) labels.insert(labels.end(), counts[c], c);
  EXPECT_EQ(class_coverage(labels, 4).classes_covered, 3);
  EXPECT_EQ(class_coverage(labels, 4, 1.0).classes_covered, 2);
  double kl = 0;
  for (int count : counts) kl += count / 100.0 * std::log(count / 100.0 * 4);
  EXPECT_NEAR(class_coverage(labels, 4).kl_from_uniform, kl, 8 * kEps);
}

TEST(ClassCoverage, ProbabilitiesCountTheirArgmax) {
  const Matrix p = from_rows({{0.1f, 0.7f, 0.2f}, {0.6f, 0.3f, 0.1f}, {0.2f, 0.5f, 0.3f}, {0.4f, 0.2f, 0.4f}});
  const ClassCoverage coverage = class_coverage(p.view());
  EXPECT_EQ(coverage.histogram, (std::vector<int64_t>{2, 2, 0}));  // the tie in the last row goes to class 0
  EXPECT_EQ(coverage.classes_covered, 2);
}

TEST(ClassCoverage, BadInputsThrowNamingTheArgument) {
  const std::vector<int64_t> labels = {0, 1, 2};
  expect_invalid([&] { class_coverage(labels, 0); }, "classes");
  expect_invalid([&] { class_coverage(labels, 2); }, "labels");
  expect_invalid([&] { class_coverage(std::vector<int64_t>{-1}, 2); }, "labels");
  expect_invalid([] { class_coverage(std::span<const int64_t>(), 2); }, "labels");
  expect_invalid([&] { class_coverage(labels, 3, 0.0); }, "min_uniform_share");
  expect_invalid([&] { class_coverage(labels, 3, 1.5); }, "min_uniform_share");
  expect_invalid([] { class_coverage(FeatureMatrix{}); }, "probabilities");
  expect_invalid([] { class_coverage(from_rows({{kNaN, 1.0f}}).view()); }, "probabilities");
}

// ---------------------------------------------------------------------------------------------
// Precision, recall, density and coverage

TEST(ManifoldMetrics, OneDimensionalHandExample) {
  // k = 1. Real {0, 1, 3, 7}: radii 1, 1, 2, 4. Fake {0.5, 1.75, 9, 12}: radii 1.25, 1.25, 3, 3.
  // precision: 0.5 is in ball(0), 1.75 in ball(1), 9 in ball(7); 12 is 5 from 7: 3/4.
  // density: 0.5 in balls 0 and 1, 1.75 in balls 1 and 3, 9 in ball 7: 5 / (1 * 4).
  // coverage: ball 0 and 1 hold 0.5, ball 3 holds 1.75, ball 7 holds 9: 1.
  // recall: 0 and 1 are in ball(0.5), 7 in ball(9); 3 is exactly 1.25 from 1.75, on the boundary
  // of its ball, so outside: 3/4. Every value is dyadic, so every distance is exact.
  const Matrix real = from_rows({{0}, {1}, {3}, {7}}), fake = from_rows({{0.5f}, {1.75f}, {9}, {12}});
  const ManifoldMetrics m = manifold_metrics(real.view(), fake.view(), 1);
  EXPECT_EQ(m.precision, 0.75);
  EXPECT_EQ(m.recall, 0.75);
  EXPECT_EQ(m.density, 1.25);
  EXPECT_EQ(m.coverage, 1.0);
}

TEST(ManifoldMetrics, TwoDimensionalHandExample) {
  // k = 2. Real: the corners of a 2 x 2 square, each with radius 2 (two neighbours at 2).
  // Fake (1, 1) is sqrt 2 from every corner: in 4 balls; (3, 0) is 1 from (2, 0): in 1; (5, 5)
  // is 3 sqrt 2 from (2, 2): in none. Fake radii (2nd of 2 others): sqrt 32, sqrt 32, sqrt 29.
  // precision 2/3; density 5 / (2 * 3); every corner holds (1, 1): coverage 1; every corner is
  // sqrt 2 < sqrt 32 from (1, 1): recall 1.
  const Matrix real = from_rows({{0, 0}, {2, 0}, {0, 2}, {2, 2}}), fake = from_rows({{1, 1}, {5, 5}, {3, 0}});
  const ManifoldMetrics m = manifold_metrics(real.view(), fake.view(), 2);
  EXPECT_EQ(m.precision, 2.0 / 3.0);
  EXPECT_EQ(m.recall, 1.0);
  EXPECT_EQ(m.density, 5.0 / 6.0);
  EXPECT_EQ(m.coverage, 1.0);
}

TEST(ManifoldMetrics, IdenticalSetsGiveOnes) {
  // Each ball holds its own centre and its k - 1 nearer neighbours, not the k-th on its
  // boundary (the same float64 distance both times): density k N / (k N) = 1 exactly. 600 rows
  // span three row blocks.
  const Matrix x = gaussian_matrix(600, 8, 61);
  const ManifoldMetrics m = manifold_metrics(x.view(), x.view());
  EXPECT_EQ(m.precision, 1.0);
  EXPECT_EQ(m.recall, 1.0);
  EXPECT_EQ(m.coverage, 1.0);
  EXPECT_EQ(m.density, 1.0);
}

TEST(ManifoldMetrics, TwoSamplesOfOneDistributionHaveDensityNearOne) {
  // Naeem et al.: E[density] = 1 for one distribution. Density is a mean over M = 1000 fakes of
  // (balls holding it) / k, whose variance is about 1 / k: a standard error near
  // sqrt(1 / (k M)) = 0.014, and 0.1 is seven of those.
  const ManifoldMetrics m = manifold_metrics(gaussian_matrix(1000, 4, 62).view(), gaussian_matrix(1000, 4, 63).view());
  EXPECT_NEAR(m.density, 1.0, 0.1);
}

TEST(ManifoldMetrics, FarApartClustersGiveZeros) {
  const Matrix real = gaussian_matrix(300, 6, 64), fake = gaussian_matrix(300, 6, 65, 1000.0);
  const ManifoldMetrics m = manifold_metrics(real.view(), fake.view());
  EXPECT_EQ(m.precision, 0.0);
  EXPECT_EQ(m.recall, 0.0);
  EXPECT_EQ(m.density, 0.0);
  EXPECT_EQ(m.coverage, 0.0);
}

TEST(ManifoldMetrics, BlockedGemmDistancesAgreeWithDirectDifferences) {
  // The same four metrics from distances summed as (x - y)^2 directly; on continuous random data
  // no distance lies within rounding of a radius, so both agree exactly. 700 and 300 rows cross
  // the 256-row blocks unevenly.
  const int n = 700, m = 300, d = 12, k = 3;
  const Matrix real = gaussian_matrix(n, d, 71), fake = gaussian_matrix(m, d, 72, 0.5);
  auto distance = [&](const Matrix& a, int i, const Matrix& b, int j) {
    double sum = 0;
    for (int c = 0; c < d; ++c) {
      const double diff = static_cast<double>(a.values[i * d + c]) - b.values[j * d + c];
      sum += diff * diff;
    }
    return sum;
  };
  auto radii = [&](const Matrix& a) {
    std::vector<double> result;
    for (int i = 0; i < a.rows; ++i) {
      std::vector<double> others;
      for (int j = 0; j < a.rows; ++j)
        if (j != i) others.push_back(distance(a, i, a, j));
      std::sort(others.begin(), others.end());
      result.push_back(others[k - 1]);
    }
    return result;
  };
  const std::vector<double> real_radii = radii(real), fake_radii = radii(fake);
  int precise = 0, recalled = 0, held = 0, covered = 0;
  std::vector<bool> real_recalled(n, false), real_covered(n, false);
  for (int j = 0; j < m; ++j) {
    int balls = 0;
    for (int i = 0; i < n; ++i) {
      const double dist = distance(real, i, fake, j);
      if (dist < real_radii[i]) {
        ++balls;
        real_covered[i] = true;
      }
      if (dist < fake_radii[j]) real_recalled[i] = true;
    }
    precise += balls > 0;
    held += balls;
  }
  recalled = static_cast<int>(std::count(real_recalled.begin(), real_recalled.end(), true));
  covered = static_cast<int>(std::count(real_covered.begin(), real_covered.end(), true));
  const ManifoldMetrics metrics = manifold_metrics(real.view(), fake.view(), k);
  EXPECT_EQ(metrics.precision, static_cast<double>(precise) / m);
  EXPECT_EQ(metrics.recall, static_cast<double>(recalled) / n);
  EXPECT_EQ(metrics.density, static_cast<double>(held) / (k * m));
  EXPECT_EQ(metrics.coverage, static_cast<double>(covered) / n);
}

TEST(ManifoldMetrics, BadInputsThrowNamingTheArgument) {
  const Matrix six = gaussian_matrix(6, 3, 81), five = gaussian_matrix(5, 3, 82);
  expect_invalid([&] { manifold_metrics(five.view(), six.view()); }, "real");  // k + 1 = 6 rows needed
  expect_invalid([&] { manifold_metrics(six.view(), five.view()); }, "fake");
  expect_invalid([&] { manifold_metrics(six.view(), gaussian_matrix(6, 4, 83).view()); }, "fake");
  expect_invalid([&] { manifold_metrics(six.view(), six.view(), 0); }, "k");
  expect_invalid([&] { manifold_metrics(FeatureMatrix{}, six.view()); }, "real");
  Matrix not_finite = six;
  not_finite.values[7] = std::numeric_limits<float>::infinity();
  expect_invalid([&] { manifold_metrics(six.view(), not_finite.view()); }, "fake");
}

// ---------------------------------------------------------------------------------------------
// Code matching (Hungarian algorithm)

// The largest total of confusion(code, class) over one-to-one assignments, by trying every
// permutation of the zero-padded square matrix (non-negative counts: padding adds nothing).
int64_t brute_force_best(const ConfusionMatrix& confusion) {
  const Eigen::Index size = std::max(confusion.rows(), confusion.cols());
  ConfusionMatrix square = ConfusionMatrix::Zero(size, size);
  square.topLeftCorner(confusion.rows(), confusion.cols()) = confusion;
  std::vector<int> permutation(size);
  std::iota(permutation.begin(), permutation.end(), 0);
  int64_t best = 0;
  do {
    int64_t total = 0;
    for (Eigen::Index r = 0; r < size; ++r) total += square(r, permutation[r]);
    best = std::max(best, total);
  } while (std::next_permutation(permutation.begin(), permutation.end()));
  return best;
}

// The assignment must be one-to-one; returns the total it collects.
int64_t assignment_total(const ConfusionMatrix& confusion, const std::vector<int>& class_of_code) {
  std::vector<bool> taken(confusion.cols(), false);
  int64_t total = 0;
  for (size_t code = 0; code < class_of_code.size(); ++code) {
    const int c = class_of_code[code];
    if (c < 0) continue;
    EXPECT_FALSE(taken[c]) << "class " << c << " assigned twice";
    taken[c] = true;
    total += confusion(code, c);
  }
  return total;
}

ConfusionMatrix random_confusion(int codes, int classes, std::mt19937_64& rng) {
  std::uniform_int_distribution<int64_t> count(0, 20);
  ConfusionMatrix m(codes, classes);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = count(rng);
  return m;
}

TEST(CodeMatching, PermutedIdentityIsRecoveredWithAccuracyOne) {
  const std::vector<int> permutation = {3, 0, 4, 1, 2};
  ConfusionMatrix confusion = ConfusionMatrix::Zero(5, 5);
  for (int code = 0; code < 5; ++code) confusion(code, permutation[code]) = 100 + code;
  const CodeMatching matching = match_codes(confusion);
  EXPECT_EQ(matching.class_of_code, permutation);
  EXPECT_EQ(matching.accuracy, 1.0);
}

TEST(CodeMatching, Known3x3Example) {
  // Best: code 0 -> class 0 (5), code 1 -> class 2 (7), code 2 -> class 1 (6): 18 of 22.
  ConfusionMatrix confusion(3, 3);
  confusion << 5, 1, 0, 2, 0, 7, 0, 6, 1;
  const CodeMatching matching = match_codes(confusion);
  EXPECT_EQ(matching.class_of_code, (std::vector<int>{0, 2, 1}));
  EXPECT_EQ(matching.accuracy, 18.0 / 22.0);
}

TEST(CodeMatching, MinCostAssignmentOfAKnownExample) {
  // The optimum of this classic example is rows -> columns (1, 0, 2), cost 1 + 2 + 2 = 5.
  Eigen::Matrix3d cost;
  cost << 4, 1, 3, 2, 0, 5, 3, 2, 2;
  EXPECT_EQ(min_cost_assignment(cost), (std::vector<int>{1, 0, 2}));
}

TEST(CodeMatching, AgreesWithBruteForceOnRandomSquareMatrices) {
  std::mt19937_64 rng(91);
  for (int trial = 0; trial < 200; ++trial) {
    const ConfusionMatrix confusion = random_confusion(6, 6, rng);
    const CodeMatching matching = match_codes(confusion);
    const int64_t best = brute_force_best(confusion);
    EXPECT_EQ(assignment_total(confusion, matching.class_of_code), best) << "trial " << trial;
    EXPECT_EQ(matching.accuracy, static_cast<double>(best) / static_cast<double>(confusion.sum()));
  }
}

TEST(CodeMatching, AgreesWithBruteForceOnRandomRectangularMatrices) {
  std::mt19937_64 rng(92);
  for (int trial = 0; trial < 50; ++trial)
    for (const auto& [codes, classes] : {std::pair{4, 6}, std::pair{6, 4}}) {
      const ConfusionMatrix confusion = random_confusion(codes, classes, rng);
      const CodeMatching matching = match_codes(confusion);
      ASSERT_EQ(matching.class_of_code.size(), static_cast<size_t>(codes));
      EXPECT_EQ(std::count(matching.class_of_code.begin(), matching.class_of_code.end(), -1),
                std::max(0, codes - classes));
      EXPECT_EQ(assignment_total(confusion, matching.class_of_code), brute_force_best(confusion))
          << codes << " x " << classes << ", trial " << trial;
    }
}

TEST(CodeMatching, MinCostAssignmentOfRealCostsAgreesWithBruteForce) {
  // Negative and fractional costs: the optimum's total is a sum of 5 costs, equal to brute
  // force up to the rounding of those sums (5 eps |cost|).
  std::mt19937_64 rng(93);
  std::uniform_real_distribution<double> uniform(-10, 10);
  for (int trial = 0; trial < 50; ++trial) {
    Eigen::MatrixXd cost(5, 5);
    for (double& c : cost.reshaped()) c = uniform(rng);
    const std::vector<int> assignment = min_cost_assignment(cost);
    double total = 0;
    for (int r = 0; r < 5; ++r) total += cost(r, assignment[r]);
    std::vector<int> permutation = {0, 1, 2, 3, 4};
    double best = kInf;
    do {
      double sum = 0;
      for (int r = 0; r < 5; ++r) sum += cost(r, permutation[r]);
      best = std::min(best, sum);
    } while (std::next_permutation(permutation.begin(), permutation.end()));
    EXPECT_NEAR(total, best, 5 * 10 * 8 * kEps) << "trial " << trial;
  }
}

TEST(CodeMatching, ConfusionMatrixCountsPairs) {
  const std::vector<int64_t> codes = {0, 0, 1, 2, 2, 2}, classes = {1, 1, 0, 2, 2, 0};
  ConfusionMatrix expected(3, 3);
  expected << 0, 2, 0, 1, 0, 0, 1, 0, 2;
  EXPECT_EQ(confusion_matrix(codes, classes, 3, 3), expected);
  EXPECT_EQ(match_codes(expected).accuracy, 5.0 / 6.0);
}

TEST(CodeMatching, BadInputsThrowNamingTheArgument) {
  expect_invalid([] { match_codes(ConfusionMatrix()); }, "confusion");
  expect_invalid([] { match_codes(ConfusionMatrix::Zero(2, 2)); }, "confusion");
  expect_invalid([] { match_codes(ConfusionMatrix::Constant(2, 2, -1)); }, "confusion");
  expect_invalid([] { min_cost_assignment(Eigen::MatrixXd(0, 3)); }, "cost");
  expect_invalid([] { min_cost_assignment(Eigen::MatrixXd::Constant(2, 2, std::nan(""))); }, "cost");
  const std::vector<int64_t> three = {0, 1, 2}, two = {0, 1};
  expect_invalid([&] { confusion_matrix(three, two, 3, 3); }, "codes and classes");
  expect_invalid([&] { confusion_matrix(three, three, 2, 3); }, "codes");
  expect_invalid([&] { confusion_matrix(three, three, 3, 2); }, "classes");
  expect_invalid([&] { confusion_matrix(three, three, 0, 3); }, "num_codes");
}

// ---------------------------------------------------------------------------------------------
// Image quality and sample spread

// Images with storage; values are set by the tests.
struct Images {
  std::vector<float> values;
  int64_t count, channels, height, width;
  Images(int64_t n, int64_t c, int64_t h, int64_t w)
      : values(n * c * h * w, 0.0f), count(n), channels(c), height(h), width(w) {}
  ImageBatch view() const { return {values.data(), count, channels, height, width}; }
};

// Values on the grid k / 64 in [-1, 1), so that adding 0.25 is exact in float.
Images dyadic_images(int64_t n, int64_t c, int64_t h, int64_t w, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> step(-64, 47);
  Images images(n, c, h, w);
  for (float& v : images.values) v = static_cast<float>(step(rng)) / 64.0f;
  return images;
}

TEST(ImageQuality, IdenticalImages) {
  const Images x = dyadic_images(2, 3, 16, 14, 101);
  EXPECT_EQ(ssim(x.view(), x.view()), 1.0);  // numerator and denominator are the same float64 products
  EXPECT_EQ(psnr(x.view(), x.view()), kInf);
  EXPECT_EQ(mean_l1(x.view(), x.view()), 0.0);
}

TEST(ImageQuality, ConstantOffsetGivesTheClosedFormPsnrAndL1) {
  // Every pixel off by 0.25 (exact on the k / 64 grid): MSE = 1/16, PSNR = 10 log10(4 * 16) for
  // range 2, and 10 log10(16) for range 1; one log10 rounding, a few ulps of 18.
  const Images x = dyadic_images(3, 1, 8, 8, 102);
  Images y = x;
  for (float& v : y.values) v += 0.25f;
  EXPECT_NEAR(psnr(x.view(), y.view()), 10 * std::log10(64.0), 8 * 20 * kEps);
  EXPECT_NEAR(psnr(x.view(), y.view(), 1.0), 10 * std::log10(16.0), 8 * 20 * kEps);
  EXPECT_EQ(mean_l1(x.view(), y.view()), 0.25);
}

TEST(ImageQuality, AlternatingErrorsGiveTheClosedFormL1) {
  // Errors of +0.5 and -0.25 in turn: mean |error| = 0.375, exact in float64.
  const Images x = dyadic_images(2, 2, 4, 4, 103);
  Images y = x;
  for (size_t i = 0; i < y.values.size(); ++i) y.values[i] += i % 2 == 0 ? 0.5f : -0.25f;
  EXPECT_EQ(mean_l1(x.view(), y.view()), 0.375);
}

TEST(ImageQuality, SsimOfConstantImagesIsTheLuminanceTerm) {
  // Constant x = a and y = b: every variance and covariance is 0, so the structure term is
  // C2 / C2 and SSIM = (2ab + C1) / (a^2 + b^2 + C1), C1 = (0.01 * 2)^2.
  Images x(1, 1, 12, 12), y(1, 1, 12, 12);
  std::fill(x.values.begin(), x.values.end(), 0.5f);
  std::fill(y.values.begin(), y.values.end(), -0.25f);
  const double c1 = 0.02 * 0.02;
  // The window's weights sum to 1 only up to rounding, so the filtered means carry ~11 eps.
  EXPECT_NEAR(ssim(x.view(), y.view()), (2 * 0.5 * -0.25 + c1) / (0.25 + 0.0625 + c1), 1e-13);
}

// SSIM evaluated straight from its definition: the 2-D window's weighted sums at each valid
// centre, in float64, no separable filtering.
double direct_ssim(const Images& x, const Images& y, double range) {
  double g[11], g_sum = 0;
  for (int t = -5; t <= 5; ++t) g_sum += g[t + 5] = std::exp(-t * t / (2 * 1.5 * 1.5));
  const double c1 = (0.01 * range) * (0.01 * range), c2 = (0.03 * range) * (0.03 * range);
  double total = 0;
  int planes = 0;
  for (int64_t plane = 0; plane < x.count * x.channels; ++plane, ++planes) {
    const float* a = &x.values[plane * x.height * x.width];
    const float* b = &y.values[plane * y.height * y.width];
    double plane_sum = 0;
    int positions = 0;
    for (int64_t i = 5; i < x.height - 5; ++i)
      for (int64_t j = 5; j < x.width - 5; ++j, ++positions) {
        double mx = 0, my = 0, xx = 0, yy = 0, xy = 0;
        for (int u = -5; u <= 5; ++u)
          for (int v = -5; v <= 5; ++v) {
            const double w = g[u + 5] * g[v + 5] / (g_sum * g_sum);
            const double p = a[(i + u) * x.width + j + v], q = b[(i + u) * x.width + j + v];
            mx += w * p;
            my += w * q;
            xx += w * p * p;
            yy += w * q * q;
            xy += w * p * q;
          }
        plane_sum += (2 * mx * my + c1) * (2 * (xy - mx * my) + c2) /
                     ((mx * mx + my * my + c1) * (xx - mx * mx + yy - my * my + c2));
      }
    total += plane_sum / positions;
  }
  return total / planes;
}

TEST(ImageQuality, SsimOfAScaledOffsetCopyMatchesTheDirectFormula) {
  // 13 x 12 images: 3 x 2 valid centres. Both evaluations sum 121 terms of size <= 1 in float64
  // (error ~121 eps = 3e-14 in each local statistic), divided by denominators of at least
  // C1 C2 = 1.4e-6 for range 2: 1e-10 covers the difference.
  Images x = dyadic_images(2, 2, 13, 12, 104);
  Images y = x;
  for (float& v : y.values) v = 0.8f * v + 0.1f;
  y.values[17] = -0.9f;  // a local change, so the structure term varies between centres
  EXPECT_NEAR(ssim(x.view(), y.view()), direct_ssim(x, y, 2.0), 1e-10);
  EXPECT_NEAR(ssim(x.view(), y.view(), 1.0), direct_ssim(x, y, 1.0), 1e-10);
  EXPECT_LT(ssim(x.view(), y.view()), 1.0);
}

TEST(SampleSpread, IdenticalImagesGiveZero) {
  const Images one = dyadic_images(1, 3, 5, 5, 105);
  Images batch(4, 3, 5, 5);
  for (int n = 0; n < 4; ++n) std::copy(one.values.begin(), one.values.end(), batch.values.begin() + n * 75);
  EXPECT_EQ(sample_spread(batch.view()), 0.0);
}

TEST(SampleSpread, TwoImagesPlusAndMinusAGiveA) {
  // Each pixel has values +a and -a: mean 0, population std a, exact for a = 0.375.
  Images batch(2, 1, 3, 4);
  std::fill(batch.values.begin(), batch.values.begin() + 12, 0.375f);
  std::fill(batch.values.begin() + 12, batch.values.end(), -0.375f);
  EXPECT_EQ(sample_spread(batch.view()), 0.375);
}

TEST(SampleSpread, AveragesThePerPixelStd) {
  // Pixel 0 takes 0, 1, 2 (population std sqrt(2/3)); pixel 1 is 5 in every image (std 0).
  Images batch(3, 1, 1, 2);
  batch.values = {0, 5, 1, 5, 2, 5};
  EXPECT_NEAR(sample_spread(batch.view()), std::sqrt(2.0 / 3.0) / 2, 4 * kEps);
}

TEST(ImageQuality, BadInputsThrowNamingTheArgument) {
  const Images x = dyadic_images(2, 1, 12, 12, 106), other = dyadic_images(2, 1, 12, 11, 107);
  expect_invalid([&] { psnr(x.view(), other.view()); }, "target");
  expect_invalid([&] { mean_l1(x.view(), other.view()); }, "target");
  expect_invalid([&] { ssim(x.view(), other.view()); }, "target");
  const Images small = dyadic_images(1, 1, 10, 12, 108);
  expect_invalid([&] { ssim(small.view(), small.view()); }, "output");  // H < 11, the window
  expect_invalid([&] { psnr(x.view(), x.view(), 0.0); }, "data_range");
  expect_invalid([&] { ssim(x.view(), x.view(), std::nan("")); }, "data_range");
  expect_invalid([&] { mean_l1(ImageBatch{}, x.view()); }, "output");
  expect_invalid([&] { mean_l1(ImageBatch{nullptr, 2, 1, 12, 12}, x.view()); }, "output");
  Images not_finite = x;
  not_finite.values[3] = kNaN;
  expect_invalid([&] { psnr(x.view(), not_finite.view()); }, "target");
  expect_invalid([&] { sample_spread(not_finite.view()); }, "images");
  expect_invalid([] { sample_spread(dyadic_images(1, 1, 4, 4, 109).view()); }, "images");
}

// ---------------------------------------------------------------------------------------------
// Determinism: the same inputs give bit-identical results.

bool bit_identical(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

TEST(Determinism, EveryMetricTwiceIsBitIdentical) {
  const Matrix real = gaussian_matrix(400, 16, 111), fake = gaussian_matrix(300, 16, 112, 0.3);
  const GaussianStats a = gaussian_stats(real.view()), b = gaussian_stats(fake.view());
  EXPECT_TRUE(bit_identical(frechet_distance(a, b), frechet_distance(gaussian_stats(real.view()), b)));
  const ManifoldMetrics m1 = manifold_metrics(real.view(), fake.view()),
                        m2 = manifold_metrics(real.view(), fake.view());
  EXPECT_TRUE(bit_identical(m1.precision, m2.precision) && bit_identical(m1.recall, m2.recall) &&
              bit_identical(m1.density, m2.density) && bit_identical(m1.coverage, m2.coverage));

  Matrix probabilities = gaussian_matrix(60, 7, 113);
  for (int r = 0; r < 60; ++r) {
    float sum = 0;
    for (int c = 0; c < 7; ++c) sum += probabilities.values[r * 7 + c] = std::exp(probabilities.values[r * 7 + c]);
    for (int c = 0; c < 7; ++c) probabilities.values[r * 7 + c] /= sum;
  }
  const InceptionScore s1 = inception_score(probabilities.view(), 3), s2 = inception_score(probabilities.view(), 3);
  EXPECT_TRUE(bit_identical(s1.mean, s2.mean) && bit_identical(s1.std, s2.std));
  EXPECT_TRUE(bit_identical(class_coverage(probabilities.view()).kl_from_uniform,
                            class_coverage(probabilities.view()).kl_from_uniform));

  const Images x = dyadic_images(3, 2, 20, 18, 114), y = dyadic_images(3, 2, 20, 18, 115);
  EXPECT_TRUE(bit_identical(ssim(x.view(), y.view()), ssim(x.view(), y.view())));
  EXPECT_TRUE(bit_identical(psnr(x.view(), y.view()), psnr(x.view(), y.view())));
  EXPECT_TRUE(bit_identical(sample_spread(x.view()), sample_spread(x.view())));
}

}  // namespace
}  // namespace ganforge::eval
