// gradcheck: compares the analytic gradients autograd computes with central differences,
// in float64. The output is contracted with a random upstream gradient v, so one check
// covers the whole Jacobian-vector product: d<f(x), v>/dx.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace ganforge {

struct GradcheckOptions {
  double eps = 1e-6;   // central-difference step: error O(eps²·f''') + O(u·|f|/eps) ≈ 1e-10 in f64
  double atol = 1e-6;
  double rtol = 1e-4;
  uint64_t seed = 1234;  // for the random upstream gradient
  bool check_accumulation = true;  // backward must add into existing .grad, not overwrite it
};

struct GradcheckResult {
  bool ok = true;
  std::string message;  // what failed, with input, element and both values
  double max_error = 0;  // largest |analytic - numeric| seen
};

using GradcheckFunction = std::function<Tensor(const std::vector<Tensor>&)>;

// Inputs that require grad must be f64. Leaves their .grad cleared afterwards.
GradcheckResult gradcheck(const GradcheckFunction& f, const std::vector<Tensor>& inputs,
                          const GradcheckOptions& options = {});

}  // namespace ganforge
