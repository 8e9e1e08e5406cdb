// The cuda / cuda-sim backend's memory: the caching allocator, host copies, the backend's
// name and devices, and the launch shape of grid-stride loops. The compute primitives are in
// the other kernels/cuda/*.cu files.
//
// Device memory comes from a caching allocator (as PyTorch's): a freed block is kept on a free
// list of its size class and handed to a later request of the same class, so a training step
// after the first makes no cudaMalloc / cudaFree calls (each of which synchronizes the device).
//  - Size classes: requests round up to a multiple of 512 B below 1 MiB and of 2 MiB from
//    there on (0 bytes get 512, so a present tensor never has a null pointer); a block serves
//    requests of its own class only (no splitting).
//  - Stream-ordered reuse: every kernel and copy of the backend runs on backend_stream(). A
//    block freed while kernels queued earlier may still use it is safe to hand out at once,
//    without a sync, because whatever the new owner queues on that stream runs after those
//    kernels. (With more streams a block would also remember its stream and be reused only on
//    it, or after an event; there is one stream, so one free list per size class.)
//  - When cudaMalloc runs out of memory, the cached blocks are released and it is tried once
//    more. empty_cache releases them on request; statistics count bytes and hits / misses.
// Under the emulator cudaMalloc is host memory in its registry of allocations.
#include <cstdint>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/instances.h"

namespace ganforge::kernels::GANFORGE_CUDA_NS {
namespace {

constexpr size_t kSmallGranule = 512, kLargeGranule = size_t{2} << 20, kLargeFrom = size_t{1} << 20;

size_t size_class(size_t bytes) {
  if (bytes == 0) return kSmallGranule;
  const size_t granule = bytes < kLargeFrom ? kSmallGranule : kLargeGranule;
  if (bytes > SIZE_MAX - granule) throw std::bad_alloc();
  return (bytes + granule - 1) / granule * granule;
}

class CachingAllocator {
 public:
  void* allocate(size_t bytes) {
    const size_t block = size_class(bytes);
    std::lock_guard<std::mutex> lock(mutex_);
    void* ptr = nullptr;
    std::vector<void*>& cached = free_[block];
    if (!cached.empty()) {
      ptr = cached.back();
      cached.pop_back();
      stats_.cached_bytes -= static_cast<int64_t>(block);
      ++stats_.hits;
    } else {
      ptr = device_malloc(block);
      ++stats_.misses;
    }
    live_[ptr] = block;
    stats_.allocated_bytes += static_cast<int64_t>(block);
    if (stats_.allocated_bytes > stats_.peak_allocated_bytes) stats_.peak_allocated_bytes = stats_.allocated_bytes;
    return ptr;
  }

  void deallocate(void* ptr) {
    if (ptr == nullptr) return;
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = live_.find(ptr);
    if (it == live_.end()) throw std::invalid_argument("deallocate: the pointer was not allocated by this backend, or was freed twice");
    const size_t block = it->second;
    live_.erase(it);
    free_[block].push_back(ptr);  // stream-ordered: reusable at once (see the top of this file)
    stats_.allocated_bytes -= static_cast<int64_t>(block);
    stats_.cached_bytes += static_cast<int64_t>(block);
  }

  void empty_cache() {
    std::lock_guard<std::mutex> lock(mutex_);
    release_cached();
  }

  DeviceMemoryStats stats() {
    std::lock_guard<std::mutex> lock(mutex_);
    return stats_;
  }

 private:
  // Caller holds mutex_.
  void* device_malloc(size_t block) {
    void* ptr = nullptr;
    cudaError_t status = cudaMalloc(&ptr, block);
    if (status == cudaErrorMemoryAllocation && stats_.cached_bytes > 0) {
      cudaGetLastError();  // not sticky: clear it and retry with the cache given back
      release_cached();
      status = cudaMalloc(&ptr, block);
    }
    check_cuda(status, "cudaMalloc");
    return ptr;
  }

  // Caller holds mutex_. The blocks may still be in use by queued kernels: wait for them.
  void release_cached() {
    if (stats_.cached_bytes == 0) return;
    check_cuda(cudaStreamSynchronize(backend_stream()), "cudaStreamSynchronize");
    for (auto& [block, cached] : free_) {
      for (void* ptr : cached) check_cuda(cudaFree(ptr), "cudaFree");
      cached.clear();
    }
    stats_.cached_bytes = 0;
  }

  std::mutex mutex_;
  std::unordered_map<size_t, std::vector<void*>> free_;  // size class -> cached blocks
  std::unordered_map<void*, size_t> live_;              // handed-out block -> its size class
  DeviceMemoryStats stats_;
};

// Never destroyed: tensors in static storage may free their memory after main returns.
CachingAllocator& device_allocator() {
  static CachingAllocator* allocator = new CachingAllocator;
  return *allocator;
}

}  // namespace

unsigned grid_for(int64_t n) {
  static const int64_t max_blocks = [] {
    cudaDeviceProp prop{};
    check_cuda(cudaGetDeviceProperties(&prop, 0), "cudaGetDeviceProperties");
    return int64_t{8} * (prop.multiProcessorCount > 0 ? prop.multiProcessorCount : 1);
  }();
  const int64_t wanted = (n + kThreadsPerBlock - 1) / kThreadsPerBlock;
  return static_cast<unsigned>(wanted < 1 ? 1 : (wanted < max_blocks ? wanted : max_blocks));
}

#if defined(__CUDACC__)
const char* CudaBackend::name() const { return "cuda"; }
DeviceType CudaBackend::device_type() const { return DeviceType::CUDA; }
bool CudaBackend::available() const {
  static const bool usable = [] {
    int count = 0;
    const bool ok = cudaGetDeviceCount(&count) == cudaSuccess && count > 0;
    cudaGetLastError();  // no GPU or no driver is not an error of a later call
    return ok;
  }();
  return usable;
}
#else
const char* CudaBackend::name() const { return "cuda-sim"; }
DeviceType CudaBackend::device_type() const { return DeviceType::CUDASim; }
bool CudaBackend::available() const { return true; }
#endif

void* CudaBackend::allocate(size_t bytes) { return device_allocator().allocate(bytes); }

void CudaBackend::deallocate(void* ptr) { device_allocator().deallocate(ptr); }

// Host copies are blocking: queued on the backend's stream (after the kernels that produce or
// consume the data), then waited for.
void CudaBackend::copy_from_host(void* dst, const void* src, size_t bytes) {
  if (bytes == 0) return;
  check_cuda(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, backend_stream()), "cudaMemcpyAsync to the device");
  synchronize();
}

void CudaBackend::copy_to_host(void* dst, const void* src, size_t bytes) {
  if (bytes == 0) return;
  check_cuda(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, backend_stream()), "cudaMemcpyAsync from the device");
  synchronize();
}

void CudaBackend::synchronize() { check_cuda(cudaStreamSynchronize(backend_stream()), "cudaStreamSynchronize"); }

}  // namespace ganforge::kernels::GANFORGE_CUDA_NS

namespace ganforge::kernels {
#if defined(__CUDACC__)
Backend& cuda_backend() {
  static cuda_device::CudaBackend backend;
  return backend;
}
DeviceMemoryStats cuda_memory_stats() { return cuda_device::device_allocator().stats(); }
std::vector<std::string> cuda_devices() {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    cudaGetLastError();
    return {std::string("cuda: none visible (") + cudaGetErrorString(status) + ")"};
  }
  std::vector<std::string> devices;
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp prop{};
    cuda_device::check_cuda(cudaGetDeviceProperties(&prop, i), "cudaGetDeviceProperties");
    devices.push_back("cuda:" + std::to_string(i) + ": " + prop.name + ", sm_" + std::to_string(prop.major) +
                      std::to_string(prop.minor) + ", " + std::to_string(prop.totalGlobalMem >> 20) + " MiB");
  }
  return devices;
}
void cuda_empty_cache() { cuda_device::device_allocator().empty_cache(); }
#else
Backend& cuda_sim_backend() {
  static cuda_simt::CudaBackend backend;
  return backend;
}
DeviceMemoryStats cuda_sim_memory_stats() { return cuda_simt::device_allocator().stats(); }
void cuda_sim_empty_cache() { cuda_simt::device_allocator().empty_cache(); }
#endif
}  // namespace ganforge::kernels
