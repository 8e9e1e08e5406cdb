// Whole training steps of the six models (gan/train/recipe.h's make_recipe: the recipes of
// docs/models.md) on random data: what a user of `ganforge train` waits for, per backend.
//   train_step/<model>/<backend>[/threads:<T>]     (bench/measure.h), counter images/s
// Sizes that take seconds at most on one CPU core: DCGAN-64 and DCGAN-MNIST at batch 64, the
// MLP GAN, cGAN and InfoGAN at their recipe's batch (64, 64, 128), pix2pix at 256x256 batch 1.
// CycleGAN at 256x256 (resnet_9blocks) costs about 1.9 TFLOP a step (six generator passes
// forward and back), some 10 s on one core: on CPU backends it runs at 128x128, where its
// recipe takes resnet_6blocks (docs/models.md §6), nearly 6 times less; GPU backends run the
// 256x256 model. reference and cuda-sim, which exist
// to check the others, would take minutes to hours a step and are left out.
// images/s counts the examples of a step (an image pair for pix2pix and CycleGAN); params_<net>
// counts each network's trainable scalars (bench/pytorch_peer.py checks its nets against them).
//   build/bench/ganforge_bench --benchmark_filter=train_step
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "bench/measure.h"
#include "core/ganforge.h"
#include "gan/train/recipe.h"

namespace ganforge::bench {
namespace {

struct Model {
  std::string name;
  gan::TrainOptions options;  // resolved
  bool cpu = true, gpu = true;
};

Model model(std::string name, gan::Arch arch, int64_t image_size, int64_t channels, bool cpu = true, bool gpu = true) {
  gan::TrainOptions o;
  o.arch = arch;
  o.data = "random images";
  o.image_size = image_size;
  o.channels = channels;
  o.classes = arch == gan::Arch::Cgan ? 10 : 0;
  return {std::move(name), gan::resolve_options(o), cpu, gpu};
}

void train_step(benchmark::State& state, const Model* m, kernels::Backend* backend, int threads) {
  set_cpu_threads(threads);
  KernelsGuard kernels(backend->name());
  const gan::TrainOptions& o = m->options;
  const Device device{backend->device_type()};
  const TensorOptions on = TensorOptions{}.with_device(device);
  manual_seed(1);
  data::Batch batch;
  const Shape images{o.batch, o.channels, o.image_size, o.image_size};
  batch.images.push_back(rand(images, on, nullptr, -1, 1));
  if (o.arch == gan::Arch::Pix2pix || o.arch == gan::Arch::Cyclegan) batch.images.push_back(rand(images, on, nullptr, -1, 1));
  batch.labels = randint(0, o.classes > 0 ? o.classes : 1, {o.batch}, on.with_dtype(DType::I64));
  std::unique_ptr<gan::Recipe> recipe = gan::make_recipe(o, device, batch);
  time_calls(state, *backend, [&] { recipe->train_step(batch); });  // each step reads its losses back: a device sync
  state.counters["images/s"] = benchmark::Counter(static_cast<double>(o.batch), benchmark::Counter::kIsIterationInvariantRate);
  // The step's GEMM and convolution flops, counted by the profiler on one more (untimed) step,
  // give GFLOP/s and the fraction of the machine's peak that the whole step reaches.
  Profiler profiler;
  {
    ProfileScope scope(profiler);
    recipe->train_step(batch);
  }
  double flops = 0;
  for (const ProfileRow& row : profiler.table().rows) flops += row.flops;
  state.counters["GFLOP/step"] = flops * 1e-9;
  count_work(state, *backend, threads, Work{flops, 0});
  for (const auto& [name, network] : recipe->networks())
    state.counters["params_" + name] = static_cast<double>(network->num_parameters());
}

const bool registered = [] {
  static const std::vector<Model> models = {
      model("gan", gan::Arch::Gan, 28, 1),
      model("dcgan64", gan::Arch::Dcgan, 64, 3),
      model("dcgan-mnist", gan::Arch::Dcgan, 28, 1),
      model("cgan", gan::Arch::Cgan, 32, 1),
      model("infogan", gan::Arch::Infogan, 28, 1),
      model("pix2pix256", gan::Arch::Pix2pix, 256, 3),
      model("cyclegan128", gan::Arch::Cyclegan, 128, 3, true, false),
      model("cyclegan256", gan::Arch::Cyclegan, 256, 3, false, true),
  };
  for (const Model& m : models)
    for (kernels::Backend* backend : runnable_backends()) {
      const std::string name = backend->name();
      if (name == "reference" || name == "cuda-sim" || !(on_gpu(*backend) ? m.gpu : m.cpu)) continue;
      for (int threads : thread_counts(*backend))
        use_timer(benchmark::RegisterBenchmark(("train_step/" + m.name + "/" + backend_part(*backend, threads)).c_str(), train_step,
                                               &m, backend, threads),
                  *backend)
            ->Unit(benchmark::kMillisecond);
    }
  return true;
}();

}  // namespace
}  // namespace ganforge::bench
