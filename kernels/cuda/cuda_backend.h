// The backend class of kernels/cuda, compiled twice: by nvcc (namespace cuda_device, backend
// "cuda") and by g++ against the SIMT emulator (namespace cuda_simt, backend "cuda-sim").
// Included only by kernels/cuda/*.cu. Each family of primitives has its kernels in one file
// (memory_elementwise.cu, reduce.cu, gemm.cu, conv.cu, norm.cu, activation.cu, resample.cu,
// loss.cu, optim.cu); memory.cu holds the allocator, the host copies and the launch shapes.
#pragma once

#include "kernels/backend.h"
#include "kernels/common/coalesced_operands.h"
#include "kernels/common/dtype_dispatch.h"
#include "kernels/cuda/device.h"

namespace ganforge::kernels::GANFORGE_CUDA_NS {

constexpr int kThreadsPerBlock = 256;

// Blocks for a grid-stride loop over n elements: enough to fill the device, no more.
unsigned grid_for(int64_t n);

// Not final: the cudnn backend (kernels/vendor/cudnn_backend.cu) derives from the nvcc build.
class CudaBackend : public Backend {
 public:
  const char* name() const override;
  DeviceType device_type() const override;
  bool available() const override;

  void* allocate(size_t bytes) override;
  void deallocate(void* ptr) override;
  void copy_from_host(void* dst, const void* src, size_t bytes) override;
  void copy_to_host(void* dst, const void* src, size_t bytes) override;
  void synchronize() override;

  GANFORGE_PRIMITIVES(GANFORGE_DECLARE_OVERRIDE)
  GANFORGE_COMPOSED_PRIMITIVES(GANFORGE_DECLARE_OVERRIDE)  // a few launches per optimizer step
};

}  // namespace ganforge::kernels::GANFORGE_CUDA_NS
