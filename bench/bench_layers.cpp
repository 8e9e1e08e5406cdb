// Every GAN-layer primitive of bench/gan_layers.h (DCGAN-64, DCGAN-MNIST, pix2pix unet_256,
// CycleGAN resnet_9blocks) through the Backend interface, on every backend that can run here:
//   layer/<model>/<layer>/<primitive>/batch:<B>/<backend>[/threads:<T>]
// e.g. layer/dcgan64/conv64-128k4s2p1@32x32/wgrad/batch:64/cpu/threads:1. Counters: GFLOP/s
// (convolutions) or GB/s (the rest), and roofline, the fraction of the device's peak.
// bench/report.py pairs cpu with onednn and cuda with cudnn.
//
// reference and cuda-sim exist to check the others, not to be fast: they run only at each
// model's smallest batch, on one thread, and only the convolutions that take about a second
// at most there (on the development machine reference's f64 loops ran 0.08 GFLOP/s, cuda-sim,
// every CUDA thread a fiber, 2.8). No documented measurement includes them.
#include <benchmark/benchmark.h>

#include <string>

#include "bench/gan_layers.h"
#include "bench/layer_passes.h"
#include "bench/measure.h"
#include "core/ganforge.h"

namespace ganforge::bench {
namespace {

void run_layer(benchmark::State& state, const GanModel* model, const Layer* layer, std::string primitive,
               kernels::Backend* backend, int64_t batch, int threads) {
  set_cpu_threads(threads);
  KernelsGuard kernels(backend->name());  // operands allocated and filled by the backend under test
  const PreparedPass pass = prepare_pass(*model, *layer, primitive, *backend, batch);
  time_calls(state, *backend, pass.run);
  count_work(state, *backend, threads, pass.work);
  state.SetLabel(pass.label);
}

// The flops of the largest convolution pass a checking backend is given (0: not one of them).
double conv_budget(const kernels::Backend& backend) {
  const std::string name = backend.name();
  return name == "reference" ? 1e8 : name == "cuda-sim" ? 2e9 : 0;
}
bool checks_only(const kernels::Backend& backend) { return conv_budget(backend) > 0; }

// Whether a layer is measured at this batch on this backend: an optimizer step does not
// depend on the batch, so it runs at the recipe's only.
bool measured_at(const GanModel& model, const Layer& layer, int64_t batch, const kernels::Backend& backend) {
  if (std::holds_alternative<AdamLayer>(layer.spec)) return batch == model.options.batch;
  if (!checks_only(backend)) return true;
  const auto* conv = std::get_if<ConvLayer>(&layer.spec);
  return batch == model.batches.front() && (conv == nullptr || conv->flops(batch) <= conv_budget(backend));
}

const bool registered = [] {
  for (const GanModel& model : gan_models())
    for (int64_t batch : model.batches)
      for (const Layer& layer : model.layers)
        for (const std::string& primitive : layer_primitives(layer.spec))
          for (kernels::Backend* backend : runnable_backends())
            for (int threads : thread_counts(*backend)) {
              if (!measured_at(model, layer, batch, *backend) || (checks_only(*backend) && threads > 1)) continue;
              const std::string name = "layer/" + model.name + "/" + layer.id + "/" + primitive + "/batch:" + std::to_string(batch) +
                                       "/" + backend_part(*backend, threads);
              use_timer(benchmark::RegisterBenchmark(name.c_str(), run_layer, &model, &layer, primitive, backend, batch, threads),
                        *backend)
                  ->Unit(benchmark::kMicrosecond);
            }
  return true;
}();

}  // namespace
}  // namespace ganforge::bench
