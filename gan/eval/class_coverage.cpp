#include "gan/eval/class_coverage.h"

#include <cmath>
#include <string>
#include <utility>

#include "gan/eval/checks.h"

namespace ganforge::eval {
namespace {

ClassCoverage coverage_of_histogram(std::vector<int64_t> histogram, int64_t samples, double min_uniform_share) {
  const double classes = static_cast<double>(histogram.size());
  const double threshold = min_uniform_share * static_cast<double>(samples) / classes;
  ClassCoverage coverage;
  for (int64_t count : histogram) {
    if (count > 0 && static_cast<double>(count) >= threshold) ++coverage.classes_covered;
    if (count > 0) {
      const double share = static_cast<double>(count) / static_cast<double>(samples);
      coverage.kl_from_uniform += share * std::log(share * classes);
    }
  }
  coverage.histogram = std::move(histogram);
  return coverage;
}

void check_share(double min_uniform_share) {
  if (!(min_uniform_share > 0 && min_uniform_share <= 1))
    detail::fail("class_coverage", "min_uniform_share must be in (0, 1]; got " + std::to_string(min_uniform_share));
}

}  // namespace

ClassCoverage class_coverage(std::span<const int64_t> labels, int classes, double min_uniform_share) {
  check_share(min_uniform_share);
  if (classes < 1) detail::fail("class_coverage", "classes must be at least 1; got " + std::to_string(classes));
  if (labels.empty()) detail::fail("class_coverage", "labels must hold at least one predicted class; got none");
  std::vector<int64_t> histogram(classes, 0);
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0 || labels[i] >= classes)
      detail::fail("class_coverage", "labels must be in [0, " + std::to_string(classes) + "); labels[" +
                                         std::to_string(i) + "] is " + std::to_string(labels[i]));
    ++histogram[labels[i]];
  }
  return coverage_of_histogram(std::move(histogram), static_cast<int64_t>(labels.size()), min_uniform_share);
}

ClassCoverage class_coverage(const FeatureMatrix& probabilities, double min_uniform_share) {
  check_share(min_uniform_share);
  detail::check_matrix("class_coverage", "probabilities", probabilities, 1,
                       "[n, classes] (one row of class probabilities per sample)");
  std::vector<int64_t> histogram(probabilities.cols, 0);
  for (int64_t r = 0; r < probabilities.rows; ++r) {
    const float* row = probabilities.data + r * probabilities.cols;
    int64_t best = 0;
    for (int64_t c = 1; c < probabilities.cols; ++c)
      if (row[c] > row[best]) best = c;
    ++histogram[best];
  }
  return coverage_of_histogram(std::move(histogram), probabilities.rows, min_uniform_share);
}

}  // namespace ganforge::eval
