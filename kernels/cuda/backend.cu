// The cuda / cuda-sim backend's memory primitives and launch shapes; the compute primitives
// are in memory_elementwise.cu, reduce.cu and gemm.cu. Memory is plain cudaMalloc (under the
// emulator: host memory in the emulator's registry of allocations).
#include "kernels/cuda/backends.h"
#include "kernels/cuda/cuda_backend.h"

namespace ganforge::kernels::GANFORGE_CUDA_NS {

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

void* CudaBackend::allocate(size_t bytes) {
  void* ptr = nullptr;
  check_cuda(cudaMalloc(&ptr, bytes), "cudaMalloc");
  return ptr;
}

void CudaBackend::deallocate(void* ptr) { check_cuda(cudaFree(ptr), "cudaFree"); }

void CudaBackend::copy_from_host(void* dst, const void* src, size_t bytes) {
  if (bytes > 0) check_cuda(cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice), "cudaMemcpy to the device");
}

void CudaBackend::copy_to_host(void* dst, const void* src, size_t bytes) {
  if (bytes > 0) check_cuda(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost), "cudaMemcpy from the device");
}

void CudaBackend::synchronize() { check_cuda(cudaDeviceSynchronize(), "cudaDeviceSynchronize"); }

}  // namespace ganforge::kernels::GANFORGE_CUDA_NS

namespace ganforge::kernels {
#if defined(__CUDACC__)
Backend& cuda_backend() {
  static cuda_device::CudaBackend backend;
  return backend;
}
#else
Backend& cuda_sim_backend() {
  static cuda_simt::CudaBackend backend;
  return backend;
}
#endif
}  // namespace ganforge::kernels
