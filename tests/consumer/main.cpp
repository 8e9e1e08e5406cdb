// Uses the installed headers and library: a small autograd computation with a known answer.
#include <cstdio>

#include "core/ganforge.h"

int main() {
  using namespace ganforge;
  Tensor x = from_vector(std::vector<double>{1, 2, 3}, {3}).requires_grad_();
  Tensor y = sum(x * x);  // dy/dx = 2x
  y.backward();
  std::vector<double> g = x.grad().to_vector<double>();
  bool ok = y.item<double>() == 14 && g[0] == 2 && g[1] == 4 && g[2] == 6;
  std::printf("consumer: y = %g, grad = [%g, %g, %g] -> %s\n", y.item<double>(), g[0], g[1], g[2], ok ? "ok" : "WRONG");
  return ok ? 0 : 1;
}
