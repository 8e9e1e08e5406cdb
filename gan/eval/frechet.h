// The Fréchet distance between two Gaussians, the distance FID reports between the Inception
// features of real and generated images (Heusel et al. 2017, "GANs trained by a two time-scale
// update rule converge to a local Nash equilibrium"; the formula is Dowson and Landau 1982):
//
//   d^2 = |mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr((S1^1/2 S2 S1^1/2)^1/2)
//
// The square roots are taken from symmetric eigendecompositions (S^1/2 = V diag(sqrt(l)) V^T),
// never a general matrix square root: S1^1/2 S2 S1^1/2 is symmetric positive semi-definite, so
// its trace root is the sum of the square roots of its eigenvalues. A covariance of fewer
// samples than dimensions is singular, and rounding turns the zero eigenvalues of S1 and of
// S1^1/2 S2 S1^1/2 into values of order +-1e-16 |S| and +-1e-16 |S|^2. The negative ones are
// clamped to 0 (their square roots would be NaN); the positive ones keep square roots of order
// 1e-8 |S|, so for singular covariances the result is good to about d * 1e-8 |S|, not to
// float64 rounding.
#pragma once

#include "gan/eval/features.h"

namespace ganforge::eval {

// Both must have a mean of the same size d >= 1 and a d x d positive semi-definite covariance
// of finite values (eigenvalues down to -1e-6 times the largest pass as rounding); the
// covariances are taken as symmetric (their lower triangles are read). The result is >= 0:
// a value below 0 can only be rounding, and is returned as 0.
double frechet_distance(const GaussianStats& first, const GaussianStats& second);

}  // namespace ganforge::eval
