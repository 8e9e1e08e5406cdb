// Tour, chapter 3 (docs/tour/03-new-op.md): a new differentiable op, softplus(x) = log(1 + e^x),
// written with its own backward formula, d softplus / dx = 1 / (1 + e^-x), and checked with
// gradcheck; then the same op with a wrong formula, which gradcheck catches.
#include <iostream>

#include "core/ganforge.h"

using namespace ganforge;

// The forward runs under NoGradGuard, so its pieces (exp, add, log) are not recorded; record()
// then makes one "softplus" node whose backward is the formula given here.
Tensor softplus(const Tensor& x, bool wrong_backward = false) {
  Tensor out;
  {
    NoGradGuard forward_only;
    out = log(exp(x) + 1.0);
  }
  record("softplus", {x}, out, {x}, [wrong_backward](const Tensor& grad, const BackwardContext& saved) {
    const Tensor& x = saved[0];
    // right: the chain rule's factor is sigmoid(x); the wrong one uses sigmoid(-x)
    const Tensor slope = wrong_backward ? 1.0 / (exp(x) + 1.0) : 1.0 / (exp(-x) + 1.0);
    return std::vector<Tensor>{grad * slope};
  });
  return out;
}

int main() {
  const TensorOptions f64 = TensorOptions{}.with_dtype(DType::F64);
  Tensor x = from_vector(std::vector<double>{-2, 0, 3}, {3}, f64).requires_grad_();
  std::cout << "softplus(x) = " << softplus(x) << "\n";
  print_graph(sum(softplus(x)));

  const GradcheckResult right = gradcheck([](const std::vector<Tensor>& in) { return softplus(in[0]); }, {x});
  std::cout << "gradcheck, right backward: " << (right.ok ? "passes" : "fails: " + right.message) << "\n";
  const GradcheckResult wrong = gradcheck([](const std::vector<Tensor>& in) { return softplus(in[0], true); }, {x});
  std::cout << "gradcheck, wrong backward: " << (wrong.ok ? "passes" : "fails: " + wrong.message) << "\n";
  return right.ok && !wrong.ok ? 0 : 1;
}
