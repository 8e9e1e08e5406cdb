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

// Host blocks of 64 KiB and more are cached for reuse when freed (host_backend.cpp), except
// under AddressSanitizer. The bytes held that way, and a call that gives them back to the OS.
size_t cached_host_memory();
void release_cached_host_memory();

}  // namespace ganforge::kernels
