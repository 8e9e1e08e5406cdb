#include "kernels/host_backend.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <new>
#include <unordered_map>

namespace ganforge::kernels {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif
#else
constexpr bool kAddressSanitizer = false;
#endif

constexpr size_t kAlignment = 64;

void* aligned_block(size_t bytes) { return std::aligned_alloc(kAlignment, bytes); }

// Freed blocks of kCachedFrom bytes and more are kept for the next allocation of (nearly)
// their size: a training step allocates the same tensors every step, and a block fresh from
// the OS costs a page fault per 4 KiB on first touch (a fifth of an MLP GAN step). Smaller
// blocks go to malloc, whose bins recycle them already. The cache holds at most an eighth of
// the machine's memory, and is emptied when an allocation fails. Under AddressSanitizer it is
// off, so that a use after free is still caught.
class HostBlockCache {
 public:
  static constexpr size_t kCachedFrom = size_t{64} << 10;

  void* allocate(size_t bytes) {
    if (bytes < kCachedFrom || kAddressSanitizer) return aligned_block(bytes);
    {
      std::lock_guard lock(mutex_);
      // the smallest free block that fits and wastes at most an eighth of itself
      auto fit = free_.lower_bound(bytes);
      if (fit != free_.end() && fit->first - fit->first / 8 <= bytes) {
        void* block = fit->second;
        cached_bytes_ -= fit->first;
        free_.erase(fit);
        return block;
      }
    }
    void* block = aligned_block(bytes);
    if (block == nullptr) {
      release();
      block = aligned_block(bytes);
    }
    if (block != nullptr) {
      std::lock_guard lock(mutex_);
      sizes_[block] = bytes;
    }
    return block;
  }

  void deallocate(void* block) {
    if (block == nullptr) return;
    {
      std::lock_guard lock(mutex_);
      auto it = sizes_.find(block);
      if (it != sizes_.end() && cached_bytes_ + it->second <= capacity_) {
        cached_bytes_ += it->second;
        free_.emplace(it->second, block);
        return;
      }
      if (it != sizes_.end()) sizes_.erase(it);
    }
    std::free(block);
  }

  void release() {
    std::lock_guard lock(mutex_);
    for (auto& [bytes, block] : free_) {
      sizes_.erase(block);
      std::free(block);
    }
    free_.clear();
    cached_bytes_ = 0;
  }

  size_t cached_bytes() {
    std::lock_guard lock(mutex_);
    return cached_bytes_;
  }

 private:
  std::mutex mutex_;
  std::multimap<size_t, void*> free_;          // size -> a free block of that size
  std::unordered_map<void*, size_t> sizes_;    // every block of kCachedFrom bytes or more, live or free
  size_t cached_bytes_ = 0;
  const size_t capacity_ = static_cast<size_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<size_t>(sysconf(_SC_PAGESIZE)) / 8;
};

HostBlockCache& block_cache() {
  static HostBlockCache* cache = new HostBlockCache;  // never destroyed: tensors may outlive static destruction
  return *cache;
}

}  // namespace

void* HostBackend::allocate(size_t bytes) {
  const size_t rounded = bytes == 0 ? kAlignment : (bytes + kAlignment - 1) / kAlignment * kAlignment;
  void* ptr = block_cache().allocate(rounded);
  if (ptr == nullptr) throw std::bad_alloc();
  return ptr;
}

void HostBackend::deallocate(void* ptr) { block_cache().deallocate(ptr); }

void release_cached_host_memory() { block_cache().release(); }

size_t cached_host_memory() { return block_cache().cached_bytes(); }

void HostBackend::copy_from_host(void* dst, const void* src, size_t bytes) {
  if (bytes > 0) std::memcpy(dst, src, bytes);
}

void HostBackend::copy_to_host(void* dst, const void* src, size_t bytes) {
  if (bytes > 0) std::memcpy(dst, src, bytes);
}

}  // namespace ganforge::kernels
