#include "bench/measure.h"

#include <omp.h>

#include "bench/gpu.h"
#include "bench/machine_peak.h"
#include "kernels/cpu/parallel.h"
#include "kernels/registry.h"

namespace ganforge::bench {

bool on_gpu(const kernels::Backend& backend) { return backend.device_type() == DeviceType::CUDA; }

std::vector<kernels::Backend*> runnable_backends() {
  std::vector<kernels::Backend*> out;
  for (kernels::Backend* b : kernels::all_backends())
    if (b->available()) out.push_back(b);
  return out;
}

std::vector<int> thread_counts(const kernels::Backend& backend) {
  return on_gpu(backend) ? std::vector<int>{0} : std::vector<int>{1, 2};
}

std::string backend_part(const kernels::Backend& backend, int threads) {
  return std::string(backend.name()) + (on_gpu(backend) ? "" : "/threads:" + std::to_string(threads));
}

void set_cpu_threads(int threads) {
  if (threads <= 0) return;
  kernels::cpu::set_max_threads(threads);
  omp_set_num_threads(threads);  // oneDNN's OpenMP pool
}

void time_calls(benchmark::State& state, kernels::Backend& backend, const std::function<void()>& run) {
  try {
    backend.check_math(kernels::current_math());
  } catch (const std::invalid_argument& e) {
    state.SkipWithError(e.what());
    return;
  }
  run();
  backend.synchronize();
  if (on_gpu(backend)) {
    for (auto _ : state) state.SetIterationTime(gpu_seconds(run));
  } else {
    for (auto _ : state) run();  // CPU backends return when the work is done (cuda-sim too)
  }
}

benchmark::internal::Benchmark* use_timer(benchmark::internal::Benchmark* b, const kernels::Backend& backend) {
  return on_gpu(backend) ? b->UseManualTime() : b->UseRealTime();
}

void count_work(benchmark::State& state, const kernels::Backend& backend, int threads, Work work) {
  const bool flops = work.flops > 0;
  double peak = 0;  // GFLOP/s or GB/s
  if (on_gpu(backend)) {
    peak = flops ? gpu_peak_gflops(gpu_peak(), kernels::current_math()) : gpu_peak().gbytes_per_s;
  } else {
    const MachinePeak& core = machine_peak();
    peak = threads * (flops ? core.gflops : core.gbytes_per_s);
  }
  const double giga = (flops ? work.flops : work.bytes) * 1e-9;
  state.counters[flops ? "GFLOP/s" : "GB/s"] = benchmark::Counter(giga, benchmark::Counter::kIsIterationInvariantRate);
  if (peak > 0) state.counters["roofline"] = benchmark::Counter(giga / peak, benchmark::Counter::kIsIterationInvariantRate);
  if (threads > 0) state.counters["threads"] = threads;
}

}  // namespace ganforge::bench
