// Tour, chapter 2 (docs/tour/02-autograd.md): the graph autograd records for
// mean((x·w - 1)^2), how backward walks it, and the gradient it leaves in w, checked against
// the formula worked by hand: d/dw mean((xw - 1)^2) = (2 / N) xᵀ(xw - 1).
#include <cmath>
#include <iostream>

#include "core/ganforge.h"

using namespace ganforge;

int main() {
  const TensorOptions f64 = TensorOptions{}.with_dtype(DType::F64);
  Tensor x = from_vector(std::vector<double>{1, 2, 0, 1, -1, 3}, {3, 2}, f64);
  Tensor w = from_vector(std::vector<double>{0.5, -0.25}, {2, 1}, f64).requires_grad_();
  Tensor loss = mean(pow(matmul(x, w) - 1.0, 2.0));
  std::cout << "loss = " << loss.item<double>() << "\n";
  print_graph(loss);

  loss.backward();
  std::cout << "w.grad() = " << w.grad() << "\n";
  const Tensor by_hand = matmul(x.t(), matmul(x, w.detach()) - 1.0) * (2.0 / 3.0);
  std::cout << "(2 / N) x^T (xw - 1) = " << by_hand << "\n";
  const bool same = amax(abs(w.grad() - by_hand)).item<double>() < 1e-15;  // a few f64 roundings apart at most
  std::cout << "autograd and the hand-worked formula agree to 1e-15: " << (same ? "yes" : "no") << "\n";
  return same ? 0 : 1;
}
