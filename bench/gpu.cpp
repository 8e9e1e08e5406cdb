#include "bench/gpu.h"

#include <stdexcept>

#include "core/gpu_estimate.h"

#ifdef GANFORGE_BENCH_CUDA
#include <cuda_runtime.h>
#endif

namespace ganforge::bench {

GpuPeak gpu_peak_for(const std::string& name) {
  GpuPeak peak;
  peak.device = name;
  if (const GpuSpec* gpu = find_gpu(name)) {
    peak.gflops = gpu->fp32_flops_per_second * 1e-9;
    peak.tf32_gflops = gpu->tf32_flops_per_second * 1e-9;
    peak.bf16_gflops = gpu->bf16_flops_per_second * 1e-9;
    peak.gbytes_per_s = gpu->dram_bytes_per_second * 1e-9;
    peak.source = gpu->source;
  }
  return peak;
}

double gpu_peak_gflops(const GpuPeak& peak, kernels::MathMode math) {
  switch (math) {
    case kernels::MathMode::Fp32:
      return peak.gflops;
    case kernels::MathMode::Tf32:
      return peak.tf32_gflops;
    case kernels::MathMode::Bf16:
      return peak.bf16_gflops;
  }
  return 0;
}

#ifdef GANFORGE_BENCH_CUDA

namespace {

void check(cudaError_t status, const char* what) {
  if (status != cudaSuccess)
    throw std::runtime_error(std::string("ganforge_bench: ") + what + ": " + cudaGetErrorString(status));
}

}  // namespace

const GpuPeak& gpu_peak() {
  static const GpuPeak peak = [] {
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0) {
      cudaGetLastError();
      return GpuPeak{};
    }
    cudaDeviceProp properties{};
    check(cudaGetDeviceProperties(&properties, 0), "cudaGetDeviceProperties");
    return gpu_peak_for(properties.name);
  }();
  return peak;
}

double gpu_seconds(const std::function<void()>& run) {
  struct Events {
    cudaEvent_t start = nullptr, stop = nullptr;
    Events() {
      check(cudaEventCreate(&start), "cudaEventCreate");
      check(cudaEventCreate(&stop), "cudaEventCreate");
    }
  };
  static thread_local const Events
      events;  // kept for the process: destroying them at exit races the runtime's teardown
  check(cudaEventRecord(events.start, cudaStreamLegacy), "cudaEventRecord");
  run();
  check(cudaEventRecord(events.stop, cudaStreamLegacy), "cudaEventRecord");
  check(cudaEventSynchronize(events.stop), "cudaEventSynchronize");
  float ms = 0;
  check(cudaEventElapsedTime(&ms, events.start, events.stop), "cudaEventElapsedTime");
  return ms * 1e-3;
}

#else

const GpuPeak& gpu_peak() {
  static const GpuPeak none;
  return none;
}

double gpu_seconds(const std::function<void()>&) {
  throw std::logic_error("ganforge_bench was built without the CUDA toolkit: no GPU benchmark can run");
}

#endif

}  // namespace ganforge::bench
