// One spelling of a kernel's name for every report (the emulator's profiler, ptxas's table):
// "void ns::(anonymous namespace)::conv<float, true>(Params<float>)" -> "conv<float, true>".
#pragma once

#include <string>

namespace ganforge::kernels {

// From a demangled function name: no return type, namespaces or parameters; template
// arguments are kept, without the namespace of the CUDA kernels (cuda_device under nvcc,
// cuda_simt under the emulator), so both builds of a kernel have one name.
std::string short_kernel_name(const std::string& demangled);

// The same from a mangled symbol (returned unchanged when it does not demangle).
std::string short_kernel_name_of_symbol(const char* symbol);

}  // namespace ganforge::kernels
