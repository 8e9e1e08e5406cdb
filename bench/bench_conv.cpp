// Every convolution and transposed-convolution layer of DCGAN-64 and DCGAN-MNIST at batch
// 64: the three passes (fprop, dgrad, wgrad: a transposed layer's forward is dgrad, its
// backward-data fprop) on the cpu backend and on oneDNN, 1 and 2 threads, in GFLOP/s; and on
// the cuda backend when a GPU is visible (".../gpu/cuda"). The closing table of
// ganforge_bench gives the cpu : oneDNN ratios.
//   build/bench/ganforge_bench --benchmark_filter=conv/
#include <benchmark/benchmark.h>
#include <omp.h>

#include <string>
#include <vector>

#include "bench/onednn_conv.h"
#include "core/ganforge.h"
#include "kernels/cpu/parallel.h"
#include "kernels/registry.h"

namespace ganforge::bench {
namespace {

struct Layer {
  const char* name;
  ConvShape shape;
};

// batch 64; nz = 100, ngf = ndf = 64 (docs/models.md §2)
const std::vector<Layer> kLayers = {
    {"dcgan64/G1 convT 100->512 1->4", {64, 100, 1, 1, 512, 4, 1, 0, true}},
    {"dcgan64/G2 convT 512->256 4->8", {64, 512, 4, 4, 256, 4, 2, 1, true}},
    {"dcgan64/G3 convT 256->128 8->16", {64, 256, 8, 8, 128, 4, 2, 1, true}},
    {"dcgan64/G4 convT 128->64 16->32", {64, 128, 16, 16, 64, 4, 2, 1, true}},
    {"dcgan64/G5 convT 64->3 32->64", {64, 64, 32, 32, 3, 4, 2, 1, true}},
    {"dcgan64/D1 conv 3->64 64->32", {64, 3, 64, 64, 64, 4, 2, 1, false}},
    {"dcgan64/D2 conv 64->128 32->16", {64, 64, 32, 32, 128, 4, 2, 1, false}},
    {"dcgan64/D3 conv 128->256 16->8", {64, 128, 16, 16, 256, 4, 2, 1, false}},
    {"dcgan64/D4 conv 256->512 8->4", {64, 256, 8, 8, 512, 4, 2, 1, false}},
    {"dcgan64/D5 conv 512->1 4->1", {64, 512, 4, 4, 1, 4, 1, 0, false}},
    {"mnist/G1 convT 100->256 1->4", {64, 100, 1, 1, 256, 4, 1, 0, true}},
    {"mnist/G2 convT 256->128 4->7", {64, 256, 4, 4, 128, 3, 2, 1, true}},
    {"mnist/G3 convT 128->64 7->14", {64, 128, 7, 7, 64, 4, 2, 1, true}},
    {"mnist/G4 convT 64->1 14->28", {64, 64, 14, 14, 1, 4, 2, 1, true}},
    {"mnist/D1 conv 1->64 28->14", {64, 1, 28, 28, 64, 4, 2, 1, false}},
    {"mnist/D2 conv 64->128 14->7", {64, 64, 14, 14, 128, 4, 2, 1, false}},
    {"mnist/D3 conv 128->256 7->3", {64, 128, 7, 7, 256, 4, 2, 1, false}},
    {"mnist/D4 conv 256->1 3->1", {64, 256, 3, 3, 1, 3, 1, 0, false}},
};

const char* pass_name(ConvPass pass) { return pass == ConvPass::Fprop ? "fprop" : pass == ConvPass::Dgrad ? "dgrad" : "wgrad"; }

void set_threads(int threads) {
  kernels::cpu::set_max_threads(threads);
  omp_set_num_threads(threads);
}

// One pass of one layer on a GANForge backend (cpu, or cuda on the GPU: there each pass is
// waited for, so the time is the kernels').
void run_ganforge(benchmark::State& state, ConvShape s, ConvPass pass, int threads, const char* backend_name) {
  set_threads(threads);
  kernels::Backend& backend = kernels::find_backend(backend_name);
  const TensorOptions on = TensorOptions{}.with_device(Device{backend.device_type()});
  Generator gen(1);
  const ConvParams p = conv_params(s.stride, s.pad);
  Tensor x = randn({s.n, s.cin, s.h, s.w}, on, &gen);
  Tensor y = randn({s.n, s.cout, s.out_h(), s.out_w()}, on, &gen);
  Tensor w = s.transposed ? randn({s.cin, s.cout, s.k, s.k}, on, &gen) : randn({s.cout, s.cin, s.k, s.k}, on, &gen);
  // The convolution behind the layer: a transposed layer's output is its input.
  const kernels::TensorDesc in = describe(s.transposed ? y : x), out = describe(s.transposed ? x : y);
  for (auto _ : state) {
    if (pass == ConvPass::Fprop) backend.conv2d_fprop(p, in, describe(w), kernels::absent, out);
    if (pass == ConvPass::Dgrad) backend.conv2d_dgrad(p, out, describe(w), kernels::absent, in);
    if (pass == ConvPass::Wgrad) backend.conv2d_wgrad(p, in, out, describe(w), kernels::absent);
    backend.synchronize();
  }
  state.counters["GFLOP/s"] = benchmark::Counter(s.flops() * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void run_onednn(benchmark::State& state, ConvShape s, ConvPass pass, int threads) {
  set_threads(threads);
  OnednnConv conv(s, pass);
  for (auto _ : state) conv.run();
  state.counters["GFLOP/s"] = benchmark::Counter(s.flops() * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

const bool registered = [] {
  const bool gpu = [] {
    for (const kernels::Backend* b : kernels::all_backends())
      if (std::string(b->name()) == "cuda") return b->available();
    return false;
  }();
  for (const Layer& layer : kLayers)
    for (ConvPass pass : {ConvPass::Fprop, ConvPass::Dgrad, ConvPass::Wgrad}) {
      for (int threads : {1, 2}) {
        const std::string stem = std::string("conv/") + layer.name + "/" + pass_name(pass) + "/threads:" + std::to_string(threads);
        benchmark::RegisterBenchmark((stem + "/ganforge").c_str(), run_ganforge, layer.shape, pass, threads, "cpu")
            ->Unit(benchmark::kMillisecond)->UseRealTime();
        benchmark::RegisterBenchmark((stem + "/onednn").c_str(), run_onednn, layer.shape, pass, threads)
            ->Unit(benchmark::kMillisecond)->UseRealTime();
      }
      if (gpu)  // the hand-written CUDA kernels, when a GPU is visible (tools/gpu-check.sh runs these)
        benchmark::RegisterBenchmark((std::string("conv/") + layer.name + "/" + pass_name(pass) + "/gpu/cuda").c_str(),
                                     run_ganforge, layer.shape, pass, 1, "cuda")
            ->Unit(benchmark::kMicrosecond)->UseRealTime();
    }
  return true;
}();

}  // namespace
}  // namespace ganforge::bench
