#include "kernels/host_backend.h"

#include <cstdlib>
#include <cstring>
#include <new>

namespace ganforge::kernels {

void* HostBackend::allocate(size_t bytes) {
  constexpr size_t kAlignment = 64;
  size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  void* ptr = std::aligned_alloc(kAlignment, rounded == 0 ? kAlignment : rounded);
  if (ptr == nullptr) throw std::bad_alloc();
  return ptr;
}

void HostBackend::deallocate(void* ptr) { std::free(ptr); }

void HostBackend::copy_from_host(void* dst, const void* src, size_t bytes) {
  if (bytes > 0) std::memcpy(dst, src, bytes);
}

void HostBackend::copy_to_host(void* dst, const void* src, size_t bytes) {
  if (bytes > 0) std::memcpy(dst, src, bytes);
}

}  // namespace ganforge::kernels
