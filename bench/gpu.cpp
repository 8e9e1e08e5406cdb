#include "bench/gpu.h"

#include <stdexcept>

#ifdef GANFORGE_BENCH_CUDA
#include <cuda_runtime.h>
#endif

namespace ganforge::bench {

GpuPeak gpu_peak_for(const std::string& name) {
  // Boost-clock datasheet figures: FP32 non-tensor TFLOPS (the cuda backend's fp32 kernels are
  // SIMT f32; a cuDNN that picks TF32 tensor cores can exceed this roof), dense TF32 and BF16
  // tensor-core TFLOPS (half the datasheet's "with sparsity" figures), memory bandwidth.
  struct Entry {
    const char* match;  // a substring of the runtime's name; the first match wins
    double tflops, tf32_tflops, bf16_tflops, tbytes_per_s;
    const char* source;
  };
  static const Entry table[] = {
      // NVIDIA H200 Tensor Core GPU datasheet: H200 NVL 60 TFLOPS FP32, TF32 835 / BF16 1,671
      // with sparsity, 4.8 TB/s
      {"H200 NVL", 60, 417.5, 835.5, 4.8, "NVIDIA H200 datasheet, H200 NVL column"},
      // same datasheet: H200 SXM 67 TFLOPS FP32, TF32 989 / BF16 1,979 with sparsity, 4.8 TB/s
      {"H200", 67, 494.5, 989.5, 4.8, "NVIDIA H200 datasheet, H200 SXM column"},
      // NVIDIA H100 Tensor Core GPU datasheet: H100 NVL 60 TFLOPS FP32, TF32 835 / BF16 1,671
      // with sparsity, 3.9 TB/s
      {"H100 NVL", 60, 417.5, 835.5, 3.9, "NVIDIA H100 datasheet, H100 NVL column"},
      // same datasheet: H100 PCIe 51 TFLOPS FP32, TF32 756 / BF16 1,513 with sparsity, 2.0 TB/s
      {"H100 PCIe", 51, 378, 756.5, 2.0, "NVIDIA H100 datasheet, H100 PCIe column"},
      // same datasheet: H100 SXM ("NVIDIA H100 80GB HBM3") 67 TFLOPS FP32, TF32 989 / BF16 1,979
      // with sparsity, 3.35 TB/s
      {"H100", 67, 494.5, 989.5, 3.35, "NVIDIA H100 datasheet, H100 SXM column"},
      // NVIDIA A100 Tensor Core GPU datasheet: 19.5 TFLOPS FP32, TF32 156 / BF16 312 dense;
      // 80GB SXM 2.039 TB/s, 80GB PCIe 1.935 TB/s, 40GB (SXM and PCIe) 1.555 TB/s
      {"A100-SXM4-80GB", 19.5, 156, 312, 2.039, "NVIDIA A100 datasheet, A100 80GB SXM column"},
      {"A100 80GB PCIe", 19.5, 156, 312, 1.935, "NVIDIA A100 datasheet, A100 80GB PCIe column"},
      {"A100", 19.5, 156, 312, 1.555, "NVIDIA A100 datasheet, A100 40GB columns"},
  };
  GpuPeak peak;
  peak.device = name;
  for (const Entry& e : table)
    if (name.find(e.match) != std::string::npos) {
      peak.gflops = e.tflops * 1e3;
      peak.tf32_gflops = e.tf32_tflops * 1e3;
      peak.bf16_gflops = e.bf16_tflops * 1e3;
      peak.gbytes_per_s = e.tbytes_per_s * 1e3;
      peak.source = e.source;
      break;
    }
  return peak;
}

double gpu_peak_gflops(const GpuPeak& peak, kernels::MathMode math) {
  switch (math) {
    case kernels::MathMode::Fp32: return peak.gflops;
    case kernels::MathMode::Tf32: return peak.tf32_gflops;
    case kernels::MathMode::Bf16: return peak.bf16_gflops;
  }
  return 0;
}

#ifdef GANFORGE_BENCH_CUDA

namespace {

void check(cudaError_t status, const char* what) {
  if (status != cudaSuccess) throw std::runtime_error(std::string("ganforge_bench: ") + what + ": " + cudaGetErrorString(status));
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
  static thread_local const Events events;  // kept for the process: destroying them at exit races the runtime's teardown
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
