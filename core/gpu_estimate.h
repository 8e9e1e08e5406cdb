// What a profiled piece of work (a training step) would cost on a datacenter GPU, from what the
// SIMT emulator counted while cuda-sim ran it (kernels/simt/profile.h): per primitive, its kernel
// launches, FLOPs, the bytes it must move (each operand once), the bytes its kernels moved
// between SMs and L2 and the distinct ones (what DRAM moves if the working set stays in L2), and
// the resulting time bound on each GPU: max(FLOPs / peak, DRAM bytes / bandwidth, launches x
// launch cost), the peak being FP32's, or for convolutions and GEMM the tensor cores' in the tf32
// and bf16 math modes (kernels/math_mode.h). The counts are exact and the same on every machine; the GPU figures
// are the published peaks, so the times are lower bounds a real kernel approaches, not
// predictions of it.
//
//   Profiler profiler(/*count_emulator=*/true);
//   for (...) { ProfileScope scope(profiler); train_step_on_cuda_sim(); }
//   std::cout << format_gpu_estimate(profiler.table(), steps) << emulator_kernel_report();
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/dispatch.h"
#include "core/profiler.h"

namespace ganforge {

struct GpuSpec {
  std::string name;
  double fp32_flops_per_second;  // CUDA cores, no tensor cores
  double tf32_flops_per_second;  // dense tensor cores (datasheets print twice these, "with sparsity")
  double bf16_flops_per_second;
  double dram_bytes_per_second;
  std::string match;   // a substring of the CUDA runtime's name of the device
  std::string source;  // the datasheet and column the figures come from
  // The peak of a primitive's FLOPs in `math`: tensor cores only for those that follow the mode.
  double flops_per_second(const std::string& primitive, MathMode math) const;
};

// The GPUs this project is lent and their kin, at their datasheets' boost-clock figures:
// H200 NVL and SXM, H100 NVL, PCIe and SXM, A100 80GB SXM and PCIe, A100 40GB.
const std::vector<GpuSpec>& gpu_datasheets();
// The first of gpu_datasheets() whose `match` the device name contains ("NVIDIA H100 80GB
// HBM3": the H100 SXM), or null.
const GpuSpec* find_gpu(const std::string& device_name);

// What the estimate is made for: H100 SXM5 and H200 SXM (named "H100" and "H200"): FP32 67
// TFLOP/s each, dense TF32 494.5 and BF16 989.5 TFLOP/s each, HBM 3.35 and 4.8 TB/s.
const std::vector<GpuSpec>& datacenter_gpus();

// Back-to-back launches without CUDA graphs cost about this much each: an assumption, stated in
// the table, not a measurement.
constexpr double kLaunchSeconds = 2e-6;

// Per kernel and per access site: sectors per request, bank conflicts, divergence, barriers
// (kernels/emulator_counters.h).
std::string emulator_kernel_report();

// The table for `steps` profiled steps of `table` (from its rows' emulator counters), per step,
// for a run in math mode `math`.
std::string format_gpu_estimate(const ProfileTable& table, int64_t steps, MathMode math = MathMode::Fp32);

}  // namespace ganforge
