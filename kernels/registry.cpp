#include "kernels/registry.h"

#include <fstream>
#include <stdexcept>
#include <thread>

#include "kernels/cpu/cpu_backend.h"
#include "kernels/cpu/parallel.h"
#include "kernels/cuda/instances.h"
#include "kernels/reference/reference_backend.h"
#ifdef GANFORGE_WITH_ONEDNN
#include "kernels/vendor/onednn_backend.h"
#endif
#ifdef GANFORGE_WITH_CUDNN
#include "kernels/vendor/cudnn_backend.h"
#endif

namespace ganforge::kernels {
namespace {

Backend& cpu_backend() {
  static CpuBackend backend;
  return backend;
}

#ifdef GANFORGE_WITH_ONEDNN
Backend& onednn_backend() {
  static OnednnBackend backend;
  return backend;
}
#endif

std::string cpu_model() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown CPU";
}

}  // namespace

Backend& reference_backend() {
  static ReferenceBackend backend;
  return backend;
}

const std::vector<Backend*>& all_backends() {
  static const std::vector<Backend*> backends = {
      &reference_backend(), &cpu_backend(),
#ifdef GANFORGE_WITH_ONEDNN
      &onednn_backend(),
#endif
#ifdef GANFORGE_WITH_CUDA_KERNELS
      &cuda_backend(),  // before cudnn: the first usable CUDA backend is the GPU's default
#endif
#ifdef GANFORGE_WITH_CUDNN
      &cudnn_backend(),
#endif
#ifdef GANFORGE_WITH_CUDA_SIM
      &cuda_sim_backend(),
#endif
  };
  return backends;
}

Backend& find_backend(const std::string& name) {
  std::string known;
  for (Backend* b : all_backends()) {
    if (name == b->name()) return *b;
    known += known.empty() ? "" : ", ";
    known += b->name();
  }
  throw std::invalid_argument("unknown kernels '" + name + "'; this build has: " + known);
}

std::vector<std::string> describe_devices() {
  std::vector<std::string> devices = {"cpu: " + cpu_model() + ", " + std::to_string(std::thread::hardware_concurrency()) +
                                      " hardware threads, kernels use up to " + std::to_string(cpu::max_threads())};
#ifdef GANFORGE_WITH_CUDA_KERNELS
  for (const std::string& gpu : cuda_devices()) devices.push_back(gpu);
#else
  devices.push_back("cuda: not queried (built without the CUDA toolkit)");
#endif
  return devices;
}

}  // namespace ganforge::kernels
