// The one header every kernels/cuda/*.cu includes. Under nvcc it is the CUDA runtime; under
// g++ it is the SIMT emulator (kernels/simt/simt.h), so the same source builds the `cuda`
// and the `cuda-sim` backends. It also holds the only `<<<...>>>` of the project: kernels are
// launched with launch(kernel, grid, block, shared_bytes, stream, args...), which checks the
// launch and names its call site in any error (tests/simt/lint_no_raw_launch.cmake enforces it).
#pragma once

#include <source_location>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#if defined(__CUDACC__)
#include <cuda_runtime.h>
#define GANFORGE_CUDA_NS cuda_device
#if defined(__CUDA_ARCH__)
#define GANFORGE_DEVICE_PASS 1  // code written for __CUDA_ARCH__: tests this instead
#endif
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
#define GANFORGE_TENSOR_CORES 1  // wmma/mma/PTX paths; each keeps a SIMT twin for the emulator
#endif
#define GANFORGE_NOT_EMULATED(what) ((void)0)
// Dynamic shared memory (the launch's shared_bytes), as a T*: one macro for both builds.
#define GANFORGE_DYNAMIC_SHARED(T, name)                                \
  extern __shared__ __align__(16) unsigned char ganforge_dynamic_shared_[]; \
  T* name = reinterpret_cast<T*>(ganforge_dynamic_shared_)
#else
#include "kernels/simt/simt.h"
#define GANFORGE_CUDA_NS cuda_simt
#define GANFORGE_DEVICE_PASS 1  // the emulator runs the device path of __CUDA_ARCH__ code
// Code with no SIMT twin (inline PTX, wmma, TMA): reaching it under the emulator is an error.
#define GANFORGE_NOT_EMULATED(what) ::ganforge::simt::not_emulated(what, ::ganforge::simt::Site{__FILE__, __LINE__, __func__})
#define GANFORGE_DYNAMIC_SHARED(T, name) T* name = static_cast<T*>(::ganforge::simt::dynamic_shared_memory())
#endif

namespace ganforge::kernels::GANFORGE_CUDA_NS {

// Throws naming the failed call and where it was made.
inline void check_cuda(cudaError_t status, const char* what, const std::source_location& where = std::source_location::current()) {
  if (status != cudaSuccess)
    throw std::runtime_error(std::string(what) + " failed at " + where.file_name() + ":" + std::to_string(where.line()) +
                             ": " + cudaGetErrorString(status));
}

// The stream argument of launch(); it also records the launch's call site for error messages.
struct LaunchStream {
  LaunchStream(cudaStream_t s, std::source_location where = std::source_location::current()) : stream(s), site(where) {}
  cudaStream_t stream;
  std::source_location site;
};

template <class... Params, class... Args>
void launch(void (*kernel)(Params...), dim3 grid, dim3 block, size_t shared_bytes, LaunchStream stream, Args&&... args) {
  static_assert(sizeof...(Params) == sizeof...(Args), "launch: wrong number of kernel arguments");
  if (grid.x == 0 || grid.y == 0 || grid.z == 0) return;  // nothing to do (CUDA would call it an error)
#if defined(__CUDACC__)
  kernel<<<grid, block, shared_bytes, stream.stream>>>(std::forward<Args>(args)...);
#else
  struct Bound {
    void (*kernel)(Params...);
    std::tuple<std::decay_t<Params>...> params;
  } bound{kernel, {std::forward<Args>(args)...}};
  auto thunk = [](void* context) {
    Bound* b = static_cast<Bound*>(context);
    std::apply(b->kernel, b->params);  // every thread gets its own copy of the parameters
  };
  simt::run_grid(grid, block, shared_bytes, thunk, &bound, stream.site);
#endif
  const cudaError_t status = cudaGetLastError();
  if (status != cudaSuccess)
    throw std::runtime_error(std::string("CUDA kernel launched in ") + stream.site.function_name() + " at " +
                             stream.site.file_name() + ":" + std::to_string(stream.site.line()) + ": " +
                             cudaGetErrorString(status));
}

}  // namespace ganforge::kernels::GANFORGE_CUDA_NS
