#include "tools/ganforge/device.h"

namespace ganforge::cli {
namespace {

const std::vector<std::string> kDevices = {"cpu", "cuda", "cuda-sim"};

}  // namespace

Flag device_flag() {
  return {.name = "device", .kind = Choice{kDevices}, .help = "where the tensors live and the ops run", .default_value = "cpu"};
}

std::vector<std::string> compiled_kernels(std::optional<DeviceType> device) {
  std::vector<std::string> names;
  for (const BackendStatus& backend : backend_statuses())
    if (backend.compiled && (!device || backend.device == *device)) names.push_back(backend.name);
  return names;
}

Flag kernels_flag() {
  return {.name = "kernels",
          .kind = Choice{compiled_kernels(std::nullopt)},
          .help = "the backend that runs the ops; it must run --device's tensors (reference, cpu and onednn run cpu's)",
          .default_value = "the device's own"};
}

Flag math_flag() {
  return {.name = "math",
          .kind = Choice{{"fp32", "tf32", "bf16"}},
          .help = "the arithmetic of f32 convolutions and GEMMs: FP32 FMA, or tensor cores on operands rounded to tf32 or "
                  "bf16 (cudnn refuses bf16); the cpu kernels round the operands the same way and sum in FP32, onednn "
                  "computes in fp32",
          .default_value = "fp32"};
}

Device select_device(const std::string& device, const std::string& kernels) {
  const Device chosen = parse_device(device);
  if (kernels.empty()) return chosen;
  set_kernels(kernels);  // selects them for the device whose tensors they run
  if (current_kernels(chosen.type) == kernels) return chosen;
  std::string own;
  for (const std::string& d : kDevices)
    if (current_kernels(parse_device(d).type) == kernels) own = d;
  throw UsageError("--kernels " + kernels + " run on --device " + own + ", not " + device + "; pass --device " + own +
                   ", or leave --kernels out for " + device + "'s own kernels");
}

}  // namespace ganforge::cli
