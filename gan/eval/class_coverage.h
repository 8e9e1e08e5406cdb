// How a generator's samples spread over the classes a classifier sees in them: the histogram of
// predicted classes, how many classes are covered, and KL(histogram || uniform) in nats, from 0
// (every class equally often) to log(classes) (one class only). A generator that collapsed to a
// few modes covers few classes (the mode counting of Metz et al. 2017, "Unrolled generative
// adversarial networks", and Srivastava et al. 2017, VEEGAN, on stacked MNIST).
//
// A class counts as covered when it gets at least min_uniform_share of the uniform share n /
// classes, 10% by default: a mode the generator almost never produces is not covered, while a
// class at a tenth of its fair share still is (10 MNIST classes over 10,000 samples: 100).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "gan/eval/features.h"

namespace ganforge::eval {

constexpr double kDefaultMinUniformShare = 0.1;

struct ClassCoverage {
  std::vector<int64_t> histogram;  // samples per class
  int classes_covered = 0;
  double kl_from_uniform = 0;  // KL(histogram / n || uniform), nats
};

// labels: n >= 1 predicted classes, each in [0, classes); min_uniform_share in (0, 1].
ClassCoverage class_coverage(std::span<const int64_t> labels, int classes,
                             double min_uniform_share = kDefaultMinUniformShare);
// The same on the argmax of each row of [n, classes] probabilities (ties go to the lower class).
ClassCoverage class_coverage(const FeatureMatrix& probabilities, double min_uniform_share = kDefaultMinUniformShare);

}  // namespace ganforge::eval
