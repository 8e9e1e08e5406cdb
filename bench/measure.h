// How every benchmark of ganforge_bench names, times and counts a backend's work, so that
// bench/report.py can pair any GANForge backend with the vendor backend of its device:
//   <what>/<backend>/threads:<T>   a CPU backend (reference, cpu, onednn, cuda-sim) on T threads
//   <what>/<backend>               a GPU backend (cuda, cudnn)
// <what> is e.g. layer/<model>/<layer>/<primitive>/batch:<B> or train_step/<model>.
// CPU backends are timed in real time; GPU backends with CUDA events around each call
// (manual time). Either way one untimed call comes first: first-touch allocation, oneDNN's
// primitive creation, cuDNN's algorithm choice and the caching allocators are out of the time.
#pragma once

#include <benchmark/benchmark.h>

#include <functional>
#include <string>
#include <vector>

#include "kernels/backend.h"

namespace ganforge::bench {

// The work of one call, for the rate counters: GFLOP/s when flops > 0 (convolutions, GEMM),
// else GB/s of the bytes the call must move at least (each operand read or written once).
struct Work {
  double flops = 0, bytes = 0;
};

bool on_gpu(const kernels::Backend& backend);  // a CUDA device's (not cuda-sim, which runs on the CPU)
// The compiled-in backends that can run here, reference first (kernels::all_backends' order).
std::vector<kernels::Backend*> runnable_backends();
// CPU backends run on 1 and 2 threads (the development machines have 2 cores); GPU ones once (0).
std::vector<int> thread_counts(const kernels::Backend& backend);
// "<backend>/threads:<T>" or "<backend>": the end of every benchmark name.
std::string backend_part(const kernels::Backend& backend, int threads);
// Caps GANForge's and oneDNN's OpenMP threads (0: leaves them alone).
void set_cpu_threads(int threads);

// Times run() over the benchmark's iterations, after one untimed call; a registration of a
// GPU backend must UseManualTime(), of a CPU backend UseRealTime(): use_timer does it. A backend
// that refuses the math mode (cudnn in bf16) skips the benchmark, with its reason.
void time_calls(benchmark::State& state, kernels::Backend& backend, const std::function<void()>& run);
benchmark::internal::Benchmark* use_timer(benchmark::internal::Benchmark* b, const kernels::Backend& backend);

// Sets GFLOP/s or GB/s, and "roofline": that rate as a fraction of the device's peak (CPU:
// threads x one core's measured FMA throughput or copy bandwidth; GPU: bench/gpu.h's table;
// absent where the GPU is not in the table).
void count_work(benchmark::State& state, const kernels::Backend& backend, int threads, Work work);

}  // namespace ganforge::bench
