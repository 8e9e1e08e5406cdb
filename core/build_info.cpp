#include "core/build_info.h"

#include "kernels/registry.h"

namespace ganforge {

std::string version() { return GANFORGE_VERSION; }
std::string build_type() { return GANFORGE_BUILD_TYPE; }

std::string simd_level() {
#if defined(__AVX512F__)
  return "AVX-512";
#elif defined(__AVX2__) && defined(__FMA__)
  return "AVX2+FMA";
#elif defined(__AVX__)
  return "AVX";
#elif defined(__SSE4_2__)
  return "SSE4.2";
#elif defined(__x86_64__)
  return "SSE2";
#elif defined(__ARM_NEON)
  return "NEON";
#else
  return "scalar";
#endif
}

std::vector<BackendStatus> backend_statuses() {
  // Every backend GANForge has; one not compiled in says what its build needs.
  std::vector<BackendStatus> statuses = {
      {"reference", DeviceType::CPU, false, ""},
      {"cpu", DeviceType::CPU, false, ""},
      {"onednn", DeviceType::CPU, false, "not compiled: the build found no oneDNN CMake package (libdnnl-dev), or GANFORGE_ONEDNN=OFF"},
      {"cuda", DeviceType::CUDA, false, "not compiled: the build found no CUDA compiler (nvcc), or GANFORGE_CUDA=OFF"},
      {"cudnn", DeviceType::CUDA, false,
       "not compiled: the build found no nvcc, cuBLAS or cuDNN 9.8+ (CUDNN_ROOT), or GANFORGE_CUDNN=OFF"},
      {"cuda-sim", DeviceType::CUDASim, false, "not compiled: needs the CUDA headers and Boost.Context (libboost-context-dev)"},
  };
  for (kernels::Backend* backend : kernels::all_backends())
    for (BackendStatus& s : statuses)
      if (s.name == backend->name()) {
        s.compiled = true;
        s.note = backend->available() ? "" : "compiled in, but cannot run on this machine";
      }
  return statuses;
}

std::vector<std::string> visible_devices() { return kernels::describe_devices(); }

}  // namespace ganforge
