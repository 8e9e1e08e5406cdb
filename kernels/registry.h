// Every backend compiled into this binary, found by name, and the devices they can use.
#pragma once

#include <string>
#include <vector>

#include "kernels/backend.h"

namespace ganforge::kernels {

// `reference` first, then cpu, onednn, cuda, cudnn, cuda-sim as compiled in.
const std::vector<Backend*>& all_backends();
// The backend with this name, or an exception listing the names compiled in.
Backend& find_backend(const std::string& name);
Backend& reference_backend();

// One line per device this build can see: the CPU (model, threads, the kernels' thread cap)
// and each GPU the CUDA runtime reports, or why none is visible.
std::vector<std::string> describe_devices();

}  // namespace ganforge::kernels
