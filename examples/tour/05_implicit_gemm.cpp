// Tour, chapter 5 (docs/tour/05-implicit-gemm.md): a convolution three ways, from the float64
// loops to a CUDA kernel run under the SIMT emulator: a naive kernel (one thread per output,
// every operand read from global memory), the library's tiled implicit GEMM, what the emulator's
// memory profiler counts for each, and what the emulator says of a kernel with a divergent
// barrier. This file is CUDA compiled by g++: kernels/cuda/device.h gives it the emulator.
#include <cmath>
#include <iostream>
#include <string>
#include <vector>

#include "core/ganforge.h"
#include "kernels/cuda/device.h"
#include "kernels/simt/profile.h"

using namespace ganforge;
using ganforge::kernels::cuda_simt::launch;

// x [N, C, H, W] * w [K, C, R, S] -> y [N, K, H - R + 1, W - S + 1]: stride 1, no padding.
struct Geometry {
  int n, c, h, w, k, r, s;
  int ho() const { return h - r + 1; }
  int wo() const { return w - s + 1; }
  int outputs() const { return n * k * ho() * wo(); }
};

// 1. The definition, in float64: for every output, a sum over C x R x S products.
std::vector<double> convolve_loops(const std::vector<float>& x, const std::vector<float>& w, const Geometry& g) {
  std::vector<double> y(g.outputs());
  for (int n = 0; n < g.n; ++n)
    for (int k = 0; k < g.k; ++k)
      for (int oh = 0; oh < g.ho(); ++oh)
        for (int ow = 0; ow < g.wo(); ++ow) {
          double sum = 0;
          for (int c = 0; c < g.c; ++c)
            for (int i = 0; i < g.r; ++i)
              for (int j = 0; j < g.s; ++j)
                sum +=
                    double{x[((n * g.c + c) * g.h + oh + i) * g.w + ow + j]} * w[((k * g.c + c) * g.r + i) * g.s + j];
          y[((n * g.k + k) * g.ho() + oh) * g.wo() + ow] = sum;
        }
  return y;
}

// 2. The same loops as a CUDA kernel: one thread per output. Neighbouring threads take
// neighbouring ow, so their x reads coalesce, but every thread reads all C·R·S weights and the
// inputs its neighbours read too: nothing is reused from fast memory.
__global__ void conv_naive(const float* x, const float* w, float* y, Geometry g) {
  const int index = blockIdx.x * blockDim.x + threadIdx.x;
  if (index >= g.outputs()) return;
  const int ow = index % g.wo(), oh = index / g.wo() % g.ho(), k = index / (g.wo() * g.ho()) % g.k,
            n = index / (g.wo() * g.ho() * g.k);
  float sum = 0;
  for (int c = 0; c < g.c; ++c)
    for (int i = 0; i < g.r; ++i)
      for (int j = 0; j < g.s; ++j) {
        const float input = x[((n * g.c + c) * g.h + oh + i) * g.w + ow + j];
        const float weight = w[((k * g.c + c) * g.r + i) * g.s + j];
        sum += input * weight;
      }
  y[index] = sum;
}

// 3. A broken variant: a barrier that only half of each warp reaches, as if someone had added
// __syncthreads() inside a branch to "wait for the neighbours".
__global__ void conv_naive_broken(const float* x, const float* w, float* y, Geometry g) {
  const int index = blockIdx.x * blockDim.x + threadIdx.x;
  if (threadIdx.x % 32 < 16) __syncthreads();
  if (index < g.outputs()) y[index] = x[index % (g.c * g.h * g.w)] * w[0];
}

// The emulator names source files as they were compiled: an absolute path, or one relative to
// the build folder (ccache's base_dir). Shown from the repository: "examples/tour/...".
std::string from_repository(std::string text) {
  const std::string inside = "examples/tour/";
  for (size_t at = text.find(inside); at != std::string::npos; at = text.find(inside, at + inside.size())) {
    size_t start = at;
    while (start > 0 && text[start - 1] != ' ') --start;
    text.erase(start, at - start);
    at = start;
  }
  return text;
}

int main() {
  const Geometry g{2, 16, 12, 12, 32, 3, 3};  // y [2, 32, 10, 10]: a GEMM of 32 x 200 x 144
  Generator gen(5);
  const Tensor x = rand({g.n, g.c, g.h, g.w}, {}, &gen, -1, 1), w = rand({g.k, g.c, g.r, g.s}, {}, &gen, -1, 1);
  const std::vector<float> xs = x.to_vector<float>(), ws = w.to_vector<float>();
  const std::vector<double> want = convolve_loops(xs, ws, g);
  // Within 2n·u·Σ|x||w| of the float64 sums, n = C·R·S products (chapter 4).
  std::vector<float> abs_x(xs.size()), abs_w(ws.size());
  for (size_t i = 0; i < xs.size(); ++i) abs_x[i] = std::fabs(xs[i]);
  for (size_t i = 0; i < ws.size(); ++i) abs_w[i] = std::fabs(ws[i]);
  const std::vector<double> magnitude = convolve_loops(abs_x, abs_w, g);
  auto agrees = [&](const std::vector<float>& got) {
    for (size_t i = 0; i < got.size(); ++i)
      if (std::fabs(got[i] - want[i]) > 2.0 * g.c * g.r * g.s * std::ldexp(1.0, -24) * magnitude[i]) return false;
    return true;
  };

  // The naive kernel, on device memory of the emulated GPU, and the library's tiled kernel
  // (conv2d on cuda-sim tensors), with the memory profiler counting both.
  const Device sim = parse_device("cuda-sim");
  const Tensor x_sim = x.to(sim), w_sim = w.to(sim);
  Tensor y_naive = empty({g.n, g.k, g.ho(), g.wo()}, TensorOptions{}.with_device(sim));
  simt::profile_clear();
  simt::profile_start();
  launch(conv_naive, dim3((g.outputs() + 127) / 128), dim3(128), 0, nullptr,
         static_cast<const float*>(x_sim.data_ptr()), static_cast<const float*>(w_sim.data_ptr()),
         static_cast<float*>(y_naive.data_ptr()), g);
  const Tensor y_tiled = conv2d(x_sim, w_sim);
  simt::profile_stop();
  std::cout << "naive kernel agrees with the float64 loops: "
            << (agrees(y_naive.to(Device{}).to_vector<float>()) ? "yes" : "no") << "\n";
  std::cout << "tiled kernel agrees with the float64 loops: "
            << (agrees(y_tiled.to(Device{}).to_vector<float>()) ? "yes" : "no") << "\n";

  std::cout << "bytes moved between the SMs and L2, as the emulator counted them:\n";
  for (const simt::KernelProfile& k : simt::profile_kernels()) {
    std::cout << "  " << k.name << ": " << k.global_bytes / 1024 << " KiB in " << k.blocks << " blocks of " << k.block.x
              << " threads\n";
    for (const simt::AccessSite& site : k.sites) {
      // this file's lines; the library's files only by name, as their lines move with edits
      std::string place = from_repository(site.file);
      if (place == "examples/tour/05_implicit_gemm.cpp") place += ':' + std::to_string(site.line);
      const double requests = static_cast<double>(site.requests);
      if (site.space == simt::MemorySpace::Global && !site.store)  // coalescing
        std::cout << "    global load at " << place << ": " << static_cast<double>(site.sectors) / requests
                  << " sectors a request (ideal " << static_cast<double>(site.ideal_sectors) / requests << ")\n";
      if (site.space == simt::MemorySpace::Shared)  // bank conflicts
        std::cout << "    shared " << (site.store ? "store" : "load") << " at " << place << ": "
                  << static_cast<double>(site.wavefronts) / requests << " wavefronts a request (ideal "
                  << static_cast<double>(site.ideal_wavefronts) / requests << ")\n";
    }
  }

  std::cout << "the broken variant:\n";
  try {
    launch(conv_naive_broken, dim3(1), dim3(64), 0, nullptr, static_cast<const float*>(x_sim.data_ptr()),
           static_cast<const float*>(w_sim.data_ptr()), static_cast<float*>(y_naive.data_ptr()), g);
    std::cout << "  ran without complaint (it should not have)\n";
    return 1;
  } catch (const std::exception& e) {
    std::cout << "  " << from_repository(e.what()) << "\n";
  }
  return 0;
}
