// `ganforge gpu-resources`: ptxas's registers, shared memory, stack and spills of every CUDA
// kernel of this build, per target architecture, and each one's theoretical occupancy at a block
// size (core/gpu_resources.h); kernels that spill or fall under the occupancy floor are
// flagged. No GPU is needed: the numbers come from the compiler and the published limits.
#include <iostream>

#include "core/gpu_resources.h"
#include "tools/ganforge/commands.h"

namespace ganforge::cli {

Command gpu_resources_command() {
  return {.name = "gpu-resources",
          .summary = "ptxas's registers, shared memory and spills per CUDA kernel, with its occupancy",
          .description = "Prints, for every CUDA kernel of this build and each architecture it was compiled for "
                         "(sm_90, sm_80), what ptxas reported: registers, static shared memory, stack, spill stores "
                         "and loads, barriers; and the theoretical occupancy at --block threads from NVIDIA's "
                         "occupancy calculator on the architecture's published limits. Kernels that spill or fall "
                         "under --occupancy-floor are flagged. Needs a build with nvcc; no GPU.",
          .sections = {{"flags",
                        {{"block", Integer{1, 1024}, "THREADS", "threads a block, for the occupancy", "256"},
                         {"occupancy-floor", Number{0, 1}, "FRACTION", "flag kernels whose occupancy is under it",
                          "0.25"},
                         {"flagged", Switch{}, "", "list only the flagged kernels"}}}}};
}

int gpu_resources(const Args& args) {
  if (compiled_kernels().empty()) {
    std::cout << "gpu-resources: this build compiled no CUDA kernels (no nvcc), so there is no ptxas report\n";
    return 0;
  }
  size_t flagged = 0;
  std::cout << format_compiled_kernels(static_cast<int>(args.integer("block")), args.number("occupancy-floor"),
                                                args.flag("flagged"), &flagged);
  std::cout << flagged << " of " << compiled_kernels().size() << " kernel builds flagged\n";
  return 0;
}

}  // namespace ganforge::cli
