// The two builds of the CUDA kernels as backends (plain C++: kernels/backend.cpp registers them).
#pragma once

#include "kernels/backend.h"

namespace ganforge::kernels {

Backend& cuda_backend();      // nvcc build; available() is false without a usable GPU
Backend& cuda_sim_backend();  // the same sources under the SIMT emulator, on the CPU

}  // namespace ganforge::kernels
