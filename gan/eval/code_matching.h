// Which class each value of a categorical code stands for, and how often it is right: InfoGAN's
// categorical code is learned without labels (Chen et al. 2016, "InfoGAN: interpretable
// representation learning by information maximizing GANs"), so its values come in an arbitrary
// order; the fair accuracy takes the one-to-one code -> class assignment that agrees with the
// most samples, found by the Hungarian algorithm (Kuhn 1955; Munkres 1957) on the confusion
// matrix, as for clustering accuracy. Rectangular matrices are allowed: with more codes than
// classes some codes get no class, with more classes some classes get no code.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <span>
#include <vector>

namespace ganforge::eval {

// confusion(code, class): how many samples drawn with that code were classified as that class.
using ConfusionMatrix = Eigen::Matrix<int64_t, Eigen::Dynamic, Eigen::Dynamic>;

// The rows x columns assignment, each row to a different column, that minimises the total cost:
// element r is the column of row r, or -1 when there are more rows than columns and row r gets
// none. O(min^2 max) time (the shortest-augmenting-path form with potentials). cost: at least
// 1 x 1, finite.
std::vector<int> min_cost_assignment(const Eigen::MatrixXd& cost);

// codes[i] and classes[i] are sample i's code in [0, num_codes) and class in [0, num_classes);
// the same number n >= 1 of each.
ConfusionMatrix confusion_matrix(std::span<const int64_t> codes, std::span<const int64_t> classes, int num_codes,
                                 int num_classes);

struct CodeMatching {
  std::vector<int> class_of_code;  // -1 for a code left without a class
  double accuracy = 0;             // samples on the diagonal of the assignment / all samples
};

// confusion: at least 1 x 1, non-negative counts totalling from 1 to 2^53 - 1 (so that the
// algorithm's float64 sums are exact).
CodeMatching match_codes(const ConfusionMatrix& confusion);

}  // namespace ganforge::eval
