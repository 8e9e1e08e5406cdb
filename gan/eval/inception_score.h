// The Inception Score of a set of class probabilities p(y|x), one row per generated sample
// (Salimans et al. 2016, "Improved techniques for training GANs"):
//
//   IS = exp(E_x KL(p(y|x) || p(y))),   p(y) = E_x p(y|x)
//
// high when each sample is confidently one class (low entropy per row) and the classes are
// spread (high entropy of the marginal); from 1 (every row the same) to the number of classes
// (one-hot rows, uniformly spread). With splits, the rows are cut into that many consecutive
// parts of near-equal size (part i is rows [i n / splits, (i + 1) n / splits)), each gets its
// own p(y) and score, and the result is their mean and population standard deviation, as the
// paper's reference code (np.std) reports it.
#pragma once

#include "gan/eval/features.h"

namespace ganforge::eval {

struct InceptionScore {
  double mean = 0;
  double std = 0;  // 0 with one split
};

// probabilities: [n, classes] with n >= splits >= 1, each row finite, non-negative and summing
// to 1 within 1e-3 (float32 softmax); each row is divided by its sum in float64, so the KL
// terms are those of true distributions. 0 log 0 is taken as 0.
InceptionScore inception_score(const FeatureMatrix& probabilities, int splits = 1);

}  // namespace ganforge::eval
