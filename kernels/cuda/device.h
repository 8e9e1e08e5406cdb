// The one header every kernels/cuda/*.cu includes. Under nvcc it is the CUDA runtime; under
// g++ it is the SIMT emulator (kernels/simt/simt.h), so the same source builds the `cuda`
// and the `cuda-sim` backends. It also holds the only `<<<...>>>` of the project: kernels are
// launched with launch(kernel, grid, block, shared_bytes, stream, args...), which checks the
// launch and names its call site (and, under nvcc, the kernel) in any error
// (tests/simt/lint_no_raw_launch.cmake enforces it). Every launch runs on backend_stream().
#pragma once

#include <source_location>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#if defined(__CUDACC__)
#include <cuda_runtime.h>
#include <cxxabi.h>

#include <cstdlib>
#define GANFORGE_CUDA_NS cuda_device
#define GANFORGE_NOT_EMULATED(what) ((void)0)
// Dynamic shared memory (the launch's shared_bytes), as a T*: one macro for both builds.
#define GANFORGE_DYNAMIC_SHARED(T, name)                                \
  extern __shared__ __align__(16) unsigned char ganforge_dynamic_shared_[]; \
  T* name = reinterpret_cast<T*>(ganforge_dynamic_shared_)
// Unrolls the loop that follows: a register array indexed in a loop nvcc leaves rolled lives in
// local memory instead (ptxas's report shows it as stack). The emulator needs no unrolling.
#define GANFORGE_UNROLL _Pragma("unroll")
#else
#include "kernels/simt/simt.h"
#define GANFORGE_CUDA_NS cuda_simt
// Code with no SIMT twin (inline PTX, wmma, TMA): reaching it under the emulator is an error.
#define GANFORGE_NOT_EMULATED(what) ::ganforge::simt::not_emulated(what, ::ganforge::simt::Site{__FILE__, __LINE__, __func__})
#define GANFORGE_DYNAMIC_SHARED(T, name) T* name = static_cast<T*>(::ganforge::simt::dynamic_shared_memory())
#define GANFORGE_UNROLL
#endif

namespace ganforge::kernels::GANFORGE_CUDA_NS {

// Throws naming the failed call and where it was made. The runtime also keeps the error as
// its "last error": it is cleared, so that the next launch does not report it again.
inline void check_cuda(cudaError_t status, const char* what, const std::source_location& where = std::source_location::current()) {
  if (status != cudaSuccess) {
    cudaGetLastError();
    throw std::runtime_error(std::string(what) + " failed at " + where.file_name() + ":" + std::to_string(where.line()) +
                             ": " + cudaGetErrorString(status));
  }
}

// The backend's one stream: every kernel, copy and memory reuse of the cuda backend is ordered
// on it (see the caching allocator in backend.cu). It is created with the default flags, so it
// is also ordered with work on CUDA's legacy default stream; it lives until the process ends.
// Under the emulator every launch and copy completes in call order: the null stream is it.
inline cudaStream_t backend_stream() {
#if defined(__CUDACC__)
  static const cudaStream_t stream = [] {
    cudaStream_t s = nullptr;
    check_cuda(cudaStreamCreateWithFlags(&s, cudaStreamDefault), "cudaStreamCreateWithFlags");
    return s;
  }();
  return stream;
#else
  return nullptr;
#endif
}

// The stream argument of launch(): a null stream means backend_stream(), so kernels pass
// nullptr unless they are given another stream. It also records the launch's call site for
// error messages.
struct LaunchStream {
  LaunchStream(cudaStream_t s, std::source_location where = std::source_location::current())
      : stream(s != nullptr ? s : backend_stream()), site(where) {}
  cudaStream_t stream;
  std::source_location site;
};

#if defined(__CUDACC__)
// The kernel's demangled name, for launch errors ("?" when the runtime cannot say).
inline std::string kernel_name(const void* kernel) {
  const char* mangled = nullptr;
  if (cudaFuncGetName(&mangled, kernel) != cudaSuccess || mangled == nullptr) {
    cudaGetLastError();  // the launch error is what gets reported
    return "?";
  }
  int status = 0;
  char* demangled = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string name = status == 0 && demangled != nullptr ? demangled : mangled;
  std::free(demangled);
  return name;
}
#endif

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
  simt::run_grid(reinterpret_cast<const void*>(kernel), grid, block, shared_bytes, thunk, &bound, stream.site);
#endif
  const cudaError_t status = cudaGetLastError();
  if (status != cudaSuccess) {
#if defined(__CUDACC__)
    const std::string what = "CUDA kernel " + kernel_name(reinterpret_cast<const void*>(kernel));
#else  // g++ keeps no name for a function pointer; the call site below shows the kernel
    const std::string what = "CUDA kernel";
#endif
    throw std::runtime_error(what + " launched in " + stream.site.function_name() + " at " + stream.site.file_name() +
                             ":" + std::to_string(stream.site.line()) + ": " + cudaGetErrorString(status));
  }
}

}  // namespace ganforge::kernels::GANFORGE_CUDA_NS
