// Tour, chapter 4 (docs/tour/04-backends.md): one primitive, conv2d_fprop, on three backends
// from the same data: `reference` (float64 loops), `cpu` (im2col and a packed GEMM) and
// `cuda-sim` (the CUDA kernel under the SIMT emulator), compared as the consistency test
// compares every primitive: exactly on integer-valued data, within a bound derived from the
// float32 rounding on random data.
#include <cmath>
#include <iostream>
#include <vector>

#include "core/ganforge.h"

using namespace ganforge;

// x [2, 3, 8, 8] * w [8, 3, 3, 3], stride 1, padding 1, computed with `kernels` (cuda-sim: on
// its own device), returned as float64 on the CPU.
Tensor convolve(const std::string& kernels, const Tensor& x, const Tensor& w) {
  const ConvParams p = conv_params(/*stride=*/1, /*padding=*/1);
  if (kernels == "cuda-sim") {
    const Device sim = parse_device("cuda-sim");
    return conv2d(x.to(sim), w.to(sim), Tensor(), p).to(Device{}).to(DType::F64);
  }
  const KernelsGuard guard(kernels);
  return conv2d(x, w, Tensor(), p).to(DType::F64);
}

int main() {
  Generator gen(7);
  const Tensor x = rand({2, 3, 8, 8}, {}, &gen, -1, 1), w = rand({8, 3, 3, 3}, {}, &gen, -1, 1);
  // Each output sums n = 3 x 3 x 3 = 27 products. Rounded to float32 (unit roundoff u = 2^-24),
  // the error is at most 2n·u·Σ|x||w|, the sum of the terms' magnitudes: the same convolution on |x|, |w|.
  const double n = 27, u = std::ldexp(1.0, -24);
  const Tensor bound = convolve("reference", abs(x), abs(w)) * (2 * n * u);
  const Tensor reference = convolve("reference", x, w);
  bool all_agree = true;
  auto say = [&](const std::string& what, bool yes) {
    std::cout << what << (yes ? "yes" : "no") << "\n";
    all_agree = all_agree && yes;
  };
  for (const char* backend : {"cpu", "cuda-sim"}) {
    const Tensor error = abs(convolve(backend, x, w) - reference);
    say(std::string(backend) + " vs reference, random data: every output within 2n·u·Σ|x||w|: ",
        amax(error - bound).item<double>() <= 0);
  }

  // Integers in [-4, 4]: every product and partial sum is exact in float32, so all agree exactly.
  std::vector<float> xs(2 * 3 * 8 * 8), ws(8 * 3 * 3 * 3);
  for (size_t i = 0; i < xs.size(); ++i) xs[i] = static_cast<float>(static_cast<int>(i * 7 % 9) - 4);
  for (size_t i = 0; i < ws.size(); ++i) ws[i] = static_cast<float>(static_cast<int>(i * 5 % 9) - 4);
  const Tensor xi = from_vector(xs, {2, 3, 8, 8}), wi = from_vector(ws, {8, 3, 3, 3});
  const Tensor exact = convolve("reference", xi, wi);
  for (const char* backend : {"cpu", "cuda-sim"})
    say(std::string(backend) + " vs reference, integer-valued data: identical: ",
        amax(abs(convolve(backend, xi, wi) - exact)).item<double>() == 0);
  return all_agree ? 0 : 1;
}
