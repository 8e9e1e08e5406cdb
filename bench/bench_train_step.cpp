// Whole training steps (D step + G step, the recipe of docs/models.md §2) of DCGAN-64 and
// DCGAN-MNIST at batch 64 on random images: what a user of `ganforge train` waits for, per
// device and kernel set. On the cpu with 1 and 2 threads; on `cuda` (and `cudnn`) when a GPU
// is visible. images/s counts the real images of a step.
//   build/bench/ganforge_bench --benchmark_filter=train_step
#include <benchmark/benchmark.h>

#include <string>

#include "core/ganforge.h"
#include "gan/train/recipe.h"
#include "kernels/cpu/parallel.h"
#include "kernels/registry.h"

namespace ganforge::bench {
namespace {

gan::TrainOptions dcgan(int64_t image_size, int64_t channels) {
  gan::TrainOptions o;
  o.arch = gan::Arch::Dcgan;
  o.data = "random images";
  o.image_size = image_size;
  o.channels = channels;
  return gan::resolve_options(o);
}

void train_step(benchmark::State& state, gan::TrainOptions o, std::string device_name, std::string kernels, int threads) {
  kernels::cpu::set_max_threads(threads);
  KernelsGuard guard(kernels);
  const Device device = parse_device(device_name);
  manual_seed(1);
  data::Batch batch;
  batch.images.push_back(rand({o.batch, o.channels, o.image_size, o.image_size}, {}, nullptr, -1, 1).to(device));
  std::unique_ptr<gan::Recipe> recipe = gan::make_recipe(o, device, batch);
  recipe->train_step(batch);  // first-touch allocations and the allocator's cache out of the timing
  for (auto _ : state) recipe->train_step(batch);  // each step reads its losses back: a device sync
  state.counters["images/s"] = benchmark::Counter(static_cast<double>(o.batch), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["threads"] = threads;
}

const bool registered = [] {
  struct Model {
    const char* name;
    gan::TrainOptions options;
  };
  const Model models[] = {{"dcgan64", dcgan(64, 3)}, {"dcgan-mnist", dcgan(28, 1)}};
  for (const Model& m : models) {
    for (int threads : {1, 2})
      benchmark::RegisterBenchmark(("train_step/" + std::string(m.name) + "/cpu/threads:" + std::to_string(threads)).c_str(),
                                   train_step, m.options, "cpu", "cpu", threads)
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
    for (const kernels::Backend* backend : kernels::all_backends()) {
      const std::string name = backend->name();
      if (backend->device_type() != DeviceType::CUDA || !backend->available()) continue;  // cuda, cudnn: only with a GPU
      benchmark::RegisterBenchmark(("train_step/" + std::string(m.name) + "/" + name).c_str(), train_step, m.options, "cuda",
                                   name, 1)
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
    }
  }
  return true;
}();

}  // namespace
}  // namespace ganforge::bench
