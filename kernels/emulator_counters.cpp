#include "kernels/emulator_counters.h"

#if defined(GANFORGE_WITH_CUDA_SIM)
#include "kernels/simt/profile.h"
#endif

namespace ganforge::kernels {

#if defined(GANFORGE_WITH_CUDA_SIM)
bool emulator_counters_available() { return simt::profile_instrumented(); }
void start_emulator_counters() { simt::profile_start(); }
void stop_emulator_counters() { simt::profile_stop(); }
void clear_emulator_counters() { simt::profile_clear(); }
EmulatorCounters emulator_counters() {
  if (!simt::profile_running()) return {};
  const simt::ProfileTotals t = simt::profile_totals();
  return {double(t.launches), double(t.global_bytes), double(t.unique_global_bytes)};
}
std::string emulator_kernel_report() { return simt::profile_report(); }
std::vector<EmulatedKernel> emulated_kernels() {
  std::vector<EmulatedKernel> out;
  for (const simt::KernelProfile& k : simt::profile_kernels())
    out.push_back({k.name, k.block.x * k.block.y * k.block.z, k.dynamic_shared_bytes, k.launches});
  return out;
}
#else
bool emulator_counters_available() { return false; }
void start_emulator_counters() {}
void stop_emulator_counters() {}
void clear_emulator_counters() {}
EmulatorCounters emulator_counters() { return {}; }
std::string emulator_kernel_report() { return "this build has no cuda-sim backend\n"; }
std::vector<EmulatedKernel> emulated_kernels() { return {}; }
#endif

}  // namespace ganforge::kernels
