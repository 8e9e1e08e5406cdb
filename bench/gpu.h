// The GPU side of ganforge_bench: CUDA-event timing, and the device's roofline from the datasheet
// table of core/gpu_estimate.h, found by its name. Without the CUDA toolkit (or without a GPU)
// gpu_peak() is empty and nothing calls gpu_seconds: GPU benchmarks are registered only when a
// device is visible.
#pragma once

#include <functional>
#include <string>

#include "kernels/math_mode.h"

namespace ganforge::bench {

struct GpuPeak {
  std::string device;       // the CUDA runtime's name of device 0, empty without a GPU
  double gflops = 0;        // f32 on the CUDA cores (no tensor cores), 0 when the device is not in the table
  double tf32_gflops = 0;   // dense TF32 and BF16 on the tensor cores (datasheets print twice these, "with sparsity")
  double bf16_gflops = 0;
  double gbytes_per_s = 0;  // DRAM bandwidth
  std::string source;       // where the two numbers come from
};

// The datasheet peaks of the GPUs this project is lent, found by a device name as the CUDA
// runtime reports it ("NVIDIA H100 80GB HBM3", ...); zeros for a name it does not know.
GpuPeak gpu_peak_for(const std::string& device_name);
const GpuPeak& gpu_peak();  // device 0's
// The arithmetic roof of f32 convolutions and GEMMs in a math mode: gflops, tf32_gflops or bf16_gflops.
double gpu_peak_gflops(const GpuPeak& peak, kernels::MathMode math);

// Seconds between two CUDA events recorded on the legacy default stream around run(), which
// orders them after all earlier work and before all later work of every blocking stream (the
// cuda backend's stream is one; a backend on a non-blocking stream would need its own events).
double gpu_seconds(const std::function<void()>& run);

}  // namespace ganforge::bench
