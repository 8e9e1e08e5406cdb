#include "core/build_info.h"

#include <fstream>
#include <thread>

#include "kernels/backend.h"
#include "kernels/cpu/parallel.h"

#ifdef GANFORGE_WITH_CUDA_RUNTIME
#include <cuda_runtime_api.h>
#endif

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
  // The six backends of the design; those not compiled in say which work brings them.
  std::vector<BackendStatus> statuses = {
      {"reference", false, ""},
      {"cpu", false, ""},
      {"cuda", false, "hand-written CUDA kernels: not in this build yet"},
      {"cuda-sim", false, "CUDA kernels under the SIMT emulator: not in this build yet"},
      {"cudnn", false, "cuDNN/cuBLAS baselines: not in this build yet"},
      {"onednn", false, "oneDNN baselines: not in this build yet"},
  };
  for (kernels::Backend* backend : kernels::all_backends())
    for (BackendStatus& s : statuses)
      if (s.name == backend->name()) {
        s.compiled = true;
        s.note = backend->available() ? "" : "compiled in, but cannot run on this machine";
      }
  return statuses;
}

static std::string cpu_model() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown CPU";
}

std::vector<std::string> visible_devices() {
  std::vector<std::string> devices = {"cpu: " + cpu_model() + ", " + std::to_string(std::thread::hardware_concurrency()) +
                                      " hardware threads, kernels use up to " +
                                      std::to_string(kernels::cpu::max_threads())};
#ifdef GANFORGE_WITH_CUDA_RUNTIME
  int count = 0;
  cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    devices.push_back(std::string("cuda: none visible (") + cudaGetErrorString(status) + ")");
  } else {
    for (int i = 0; i < count; ++i) {
      cudaDeviceProp prop{};
      cudaGetDeviceProperties(&prop, i);
      devices.push_back("cuda:" + std::to_string(i) + ": " + prop.name + ", sm_" + std::to_string(prop.major) +
                        std::to_string(prop.minor) + ", " + std::to_string(prop.totalGlobalMem >> 20) + " MiB");
    }
  }
#else
  devices.push_back("cuda: not queried (built without the CUDA toolkit)");
#endif
  return devices;
}

}  // namespace ganforge
