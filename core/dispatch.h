// The bridge from tensors to kernels: which backend runs a device's ops, and the plain
// descriptors that backends see.
#pragma once

#include <string>

#include "core/tensor.h"
#include "kernels/backend.h"
#include "kernels/math_mode.h"

namespace ganforge {

// The backend that runs ops on tensors of this device ("cpu" by default on the CPU).
kernels::Backend& backend_for(Device device);
// Selects kernels by backend name (reference, cpu, ...) for that backend's device type:
// the one switch a user flips to compare implementations on the same model.
void set_kernels(const std::string& backend_name);
std::string current_kernels(DeviceType type);
// Sends every device's ops through its kernels::ProfilingBackend while at least one caller has
// turned it on and not yet off; Profiler (core/profiler.h) does this for its users.
void route_through_profiler(bool on);

// The arithmetic of f32 convolutions and GEMMs on the GPU backends: fp32 (the default), tf32 or
// bf16 tensor cores (kernels/math_mode.h says what each means; `--math` on the command line).
using kernels::current_math;
using kernels::MathGuard;
using kernels::MathMode;
using kernels::math_name;
using kernels::parse_math;
using kernels::set_math;

// Switches kernels for a scope (tests, benchmarks).
class KernelsGuard {
 public:
  explicit KernelsGuard(const std::string& backend_name);
  ~KernelsGuard();
  KernelsGuard(const KernelsGuard&) = delete;
  KernelsGuard& operator=(const KernelsGuard&) = delete;

 private:
  std::string previous_;
};

kernels::TensorDesc describe(const Tensor& t);
// describe(t), or kernels::absent for an undefined tensor (an optional operand, an unwanted grad).
kernels::TensorDesc describe_optional(const Tensor& t);
// t seen with `shape` via NumPy broadcasting (stride 0 on broadcast dims).
kernels::TensorDesc describe_broadcast(const Tensor& t, const Shape& shape);
// Throws naming `op` unless every defined tensor lives on the same device.
void check_same_device(const char* op, const std::vector<Tensor>& tensors);

}  // namespace ganforge
