// Memory handling shared by the backends whose device is the host (reference, cpu).
#pragma once

#include "kernels/backend.h"

namespace ganforge::kernels {

class HostBackend : public Backend {
 public:
  DeviceType device_type() const override { return DeviceType::CPU; }
  void* allocate(size_t bytes) override;  // 64-byte aligned, so rows start on a cache line
  void deallocate(void* ptr) override;
  void copy_from_host(void* dst, const void* src, size_t bytes) override;
  void copy_to_host(void* dst, const void* src, size_t bytes) override;
};

}  // namespace ganforge::kernels
