// Precision, recall, density and coverage of generated features against real ones, from balls
// around the samples whose radius is the distance to their k-th nearest neighbour in their own
// set (the sample itself not counted):
//
// - precision (Kynkäänniemi et al. 2019, "Improved precision and recall metric for assessing
//   generative models"): the fraction of fake samples inside some real ball; fidelity.
// - recall (same paper): the fraction of real samples inside some fake ball; diversity.
// - density (Naeem et al. 2020, "Reliable fidelity and diversity metrics for generative
//   models"): (1 / (k M)) sum over the M fake samples of how many real balls hold each; its
//   expectation is 1 when both sets come from one distribution, and it exceeds 1 where fakes
//   crowd around dense real regions.
// - coverage (same paper): the fraction of real balls that hold at least one fake sample.
//
// Inside means a distance strictly below the radius, as in the prdc reference code that
// computes all four (clovaai/generative-evaluation-prdc); so a set against itself has density
// exactly 1 (each ball holds its centre and k - 1 neighbours, its k-th lies on the boundary), and
// samples with k or more exact duplicates have a radius of 0 and hold nothing.
//
// Distances are exact brute force in float64 (|x|^2 + |y|^2 - 2 x.y with Eigen's GEMM, in blocks
// of rows so that memory stays at a few tens of MB for 10,000 x 10,000 samples). Three products
// (real-real, fake-fake, real-fake) of N M D multiply-adds: 10,000 against 10,000 samples of 512
// features took 24 s on one core here.
#pragma once

#include "gan/eval/features.h"

namespace ganforge::eval {

constexpr int kDefaultNeighbours = 5;

struct ManifoldMetrics {
  double precision = 0, recall = 0, density = 0, coverage = 0;
};

// real [N, D] and fake [M, D]: the same D, N and M >= k + 1 (each sample needs k neighbours
// besides itself), finite values; k >= 1.
ManifoldMetrics manifold_metrics(const FeatureMatrix& real, const FeatureMatrix& fake, int k = kDefaultNeighbours);

}  // namespace ganforge::eval
