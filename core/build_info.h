// What this binary was built with and what it can see: `ganforge info` prints it.
#pragma once

#include <string>
#include <vector>

#include "kernels/dtype.h"

namespace ganforge {

std::string version();
std::string build_type();
std::string simd_level();  // the widest x86 vector extension compiled in

struct BackendStatus {
  std::string name;
  DeviceType device = DeviceType::CPU;  // whose tensors it runs
  bool compiled = false;
  std::string note;  // why not compiled, or why it cannot run here
};
// Every backend GANForge knows of, compiled into this binary or not.
std::vector<BackendStatus> backend_statuses();

// One line per device: the host CPU, then each CUDA device the runtime reports (or why
// there is none).
std::vector<std::string> visible_devices();

}  // namespace ganforge
