// The SIMT emulator: what a .cu file sees when it is compiled by g++ instead of nvcc, so the
// project's CUDA kernels run on the CPU (the `cuda-sim` backend) and can be stepped in gdb.
//
// Kernels never include this directly: they include kernels/cuda/device.h, which picks this
// header or <cuda_runtime.h>. Execution model (kernels/simt/runtime.cpp):
//  - each CUDA thread is a fiber (Boost.Context fcontext, pooled 64 KiB stacks with a guard
//    page); the blocks of a grid run one after another on the calling OS thread;
//  - `__syncthreads` counts arrivals: it releases when every thread of the block waits at the
//    same barrier, and reports the kernel, file:line and thread ids when one cannot arrive;
//  - warp operations are meeting points of exactly the lanes named in the mask; a mask that
//    names absent or exited lanes is reported;
//  - static `__shared__` arrays are `thread_local` (all fibers of a block share the OS thread),
//    dynamic shared memory is one buffer per block, filled with NaN at each block start;
//  - device memory is host memory with a registry of allocations; cudaMemcpy/Memset outside an
//    allocation is an error, and an AddressSanitizer build catches kernel accesses past one.
//  - with the memory profiler on (kernels/simt/profile.h), each global and shared access of an
//    instrumented kernel is counted per warp-level request: sectors, bank conflicts, lanes.
//  - the tensor cores' mma.sync for TF32 (m16n8k8) and BF16 (m16n8k16) with f32 accumulation,
//    and ldmatrix (x1, x2, x4, .trans), are warp collectives with the PTX ISA's per-lane
//    fragment layouts; cp.async copies wait in commit groups until a wait covers them.
// Not emulated: other inline PTX, wmma, TMA (GANFORGE_NOT_EMULATED reports reaching such code).
#pragma once

#if defined(__CUDACC__)
#error "kernels/simt/simt.h is for g++ builds of .cu files; nvcc uses <cuda_runtime.h>"
#endif

// Without nvcc the CUDA headers would turn these into ignored GNU attributes; defining them
// first keeps the headers quiet, and they are set to their emulator meaning below.
#define __host__
#define __device__
#define __global__
#define __constant__
#define __managed__
#define __shared__ thread_local

#include <driver_types.h>  // cudaError_t, cudaStream_t, cudaMemcpyKind, cudaDeviceProp
#include <vector_types.h>  // dim3, uint3, float4, int4, ...

#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <source_location>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>

// The CUDA headers may have defined these to attributes; give them the emulator's meaning.
#undef __shared__
#define __shared__ thread_local  // not `static thread_local`: keeps `extern __shared__` parseable
#undef __host__
#define __host__
#undef __device__
#define __device__
#undef __global__
#define __global__
#undef __constant__
#define __constant__
#undef __forceinline__
#define __forceinline__ inline

// Device-pass code (what nvcc compiles under __CUDA_ARCH__) is also what the emulator runs.
#define GANFORGE_SIMT 1

namespace ganforge::simt {

// A fault the emulator detected in a kernel (divergent barrier, bad warp mask, ...) or in a
// runtime call (a copy outside any allocation). The message names the kernel and the threads.
struct KernelError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Where a device operation was called from: the kernel function and file:line.
struct Site {
  const char* file;
  int line;
  const char* function;
};
#define GANFORGE_SIMT_SITE_PARAMS \
  const char *simt_file = __builtin_FILE(), int simt_line = __builtin_LINE(), const char *simt_function = __builtin_FUNCTION()
#define GANFORGE_SIMT_SITE ::ganforge::simt::Site{simt_file, simt_line, simt_function}

enum class WarpOp : uint8_t { Sync, Shfl, ShflUp, ShflDown, ShflXor, Ballot, Any, All, MmaTf32, MmaBf16, LdMatrix };

// One lane's operands of a warp-level mma.sync (the registers the PTX ISA's fragment diagrams
// name), passed to the meeting point by address.
struct MmaFragments {
  const uint32_t* a;  // 4 registers
  const uint32_t* b;  // 2 registers
  const float* c;     // 4 accumulators
  float* d;           // 4 results
};

// One lane's part of an ldmatrix: the row it names and where its registers go.
struct LdMatrixRequest {
  const void* row;  // 16 bytes: one row of 8 b16 elements (lanes 8i..8i+7 name matrix i's rows)
  uint32_t* out;    // `matrices` registers
  int matrices;     // 1, 2 or 4
  bool transpose;
};

// cp.async: a copy of 4, 8 or 16 bytes from global to shared memory, performed when a
// cp_async_wait_group that covers its group returns (not before: reading the destination
// earlier reads what was there, as a race on a GPU may).
void cp_async(void* shared_destination, const void* global_source, size_t bytes, Site site);
void cp_async_commit_group(Site site);
void cp_async_wait_group(int pending, Site site);

void syncthreads(Site site);
// The meeting point of the lanes in `mask`: returns this lane's result (the 8 bytes of the
// shuffled value, or the ballot / vote) once every lane of the mask has arrived.
uint64_t warp_exchange(WarpOp op, unsigned mask, uint64_t value, int arg, int width, Site site);
void* dynamic_shared_memory();
[[noreturn]] void not_emulated(const char* what, Site site);

// Runs grid x block threads of thunk(context), the kernel call with its arguments bound; `kernel`
// names it (for the profiler, kernels/simt/profile.h).
void run_grid(const void* kernel, dim3 grid, dim3 block, size_t shared_bytes, void (*thunk)(void*), void* context,
              const std::source_location& where);

// Seconds a thread may run without reaching a barrier, warp operation or its end before the
// watchdog reports a spin-wait and aborts (default 60, or GANFORGE_SIMT_WATCHDOG_S).
void set_watchdog_seconds(int seconds);

template <class T>
uint64_t to_bits(T v) {
  static_assert(sizeof(T) <= 8 && std::is_trivially_copyable_v<T>, "warp shuffles move values of at most 8 bytes");
  uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof(T));
  return bits;
}
template <class T>
T from_bits(uint64_t bits) {
  T v;
  std::memcpy(&v, &bits, sizeof(T));
  return v;
}

}  // namespace ganforge::simt

// ---- Built-in variables: set by the scheduler each time it resumes a thread's fiber. ----
extern thread_local uint3 threadIdx;
extern thread_local uint3 blockIdx;
extern thread_local dim3 blockDim;
extern thread_local dim3 gridDim;
constexpr int warpSize = 32;  // not a macro: cudaDeviceProp has a field of that name

// ---- Barriers and warp operations ----
inline void __syncthreads(GANFORGE_SIMT_SITE_PARAMS) { ganforge::simt::syncthreads(GANFORGE_SIMT_SITE); }
inline void __syncwarp(unsigned mask = 0xffffffffu, GANFORGE_SIMT_SITE_PARAMS) {
  ganforge::simt::warp_exchange(ganforge::simt::WarpOp::Sync, mask, 0, 0, warpSize, GANFORGE_SIMT_SITE);
}
template <class T>
T __shfl_sync(unsigned mask, T var, int src_lane, int width = warpSize, GANFORGE_SIMT_SITE_PARAMS) {
  using namespace ganforge::simt;
  return from_bits<T>(warp_exchange(WarpOp::Shfl, mask, to_bits(var), src_lane, width, GANFORGE_SIMT_SITE));
}
template <class T>
T __shfl_up_sync(unsigned mask, T var, unsigned delta, int width = warpSize, GANFORGE_SIMT_SITE_PARAMS) {
  using namespace ganforge::simt;
  return from_bits<T>(warp_exchange(WarpOp::ShflUp, mask, to_bits(var), static_cast<int>(delta), width, GANFORGE_SIMT_SITE));
}
template <class T>
T __shfl_down_sync(unsigned mask, T var, unsigned delta, int width = warpSize, GANFORGE_SIMT_SITE_PARAMS) {
  using namespace ganforge::simt;
  return from_bits<T>(warp_exchange(WarpOp::ShflDown, mask, to_bits(var), static_cast<int>(delta), width, GANFORGE_SIMT_SITE));
}
template <class T>
T __shfl_xor_sync(unsigned mask, T var, int lane_mask, int width = warpSize, GANFORGE_SIMT_SITE_PARAMS) {
  using namespace ganforge::simt;
  return from_bits<T>(warp_exchange(WarpOp::ShflXor, mask, to_bits(var), lane_mask, width, GANFORGE_SIMT_SITE));
}
inline unsigned __ballot_sync(unsigned mask, int predicate, GANFORGE_SIMT_SITE_PARAMS) {
  using namespace ganforge::simt;
  return static_cast<unsigned>(warp_exchange(WarpOp::Ballot, mask, predicate != 0, 0, warpSize, GANFORGE_SIMT_SITE));
}
inline int __any_sync(unsigned mask, int predicate, GANFORGE_SIMT_SITE_PARAMS) {
  using namespace ganforge::simt;
  return static_cast<int>(warp_exchange(WarpOp::Any, mask, predicate != 0, 0, warpSize, GANFORGE_SIMT_SITE));
}
inline int __all_sync(unsigned mask, int predicate, GANFORGE_SIMT_SITE_PARAMS) {
  using namespace ganforge::simt;
  return static_cast<int>(warp_exchange(WarpOp::All, mask, predicate != 0, 0, warpSize, GANFORGE_SIMT_SITE));
}

// ---- Tensor cores: the twins of mma.sync.aligned.{m16n8k8 .tf32, m16n8k16 .bf16}.row.col.f32
// and of the conversions that stage their operands. All 32 lanes of a full warp must call one
// together (.aligned); each passes its own fragment registers, laid out as the PTX ISA's
// "Matrix Fragments for mma.m16n8k8 / m16n8k16" (groupID = lane / 4, t = lane % 4):
//   tf32 A (16x8): a0 (g, t), a1 (g+8, t), a2 (g, t+4), a3 (g+8, t+4); B (8x8): b0 (t, g), b1 (t+4, g)
//   bf16 A (16x16), two per register, the lower column in the low half: a0 (g, 2t..2t+1),
//        a1 (g+8, 2t..), a2 (g, 2t+8..), a3 (g+8, 2t+8..); B (16x8): b0 (2t..2t+1, g), b1 (2t+8.., g)
//   C and D (16x8): c0 (g, 2t), c1 (g, 2t+1), c2 (g+8, 2t), c3 (g+8, 2t+1)
// As the hardware, the tf32 mma reads only the top 19 bits of each A and B register (10 explicit
// mantissa bits; cvt_rna_tf32 rounds to them first); products are exact and the sum of each
// output is rounded to f32 once.
inline void mma_sync_m16n8k8_tf32(float (&d)[4], const uint32_t (&a)[4], const uint32_t (&b)[2], const float (&c)[4],
                                  GANFORGE_SIMT_SITE_PARAMS) {
  using namespace ganforge::simt;
  MmaFragments f{a, b, c, d};
  warp_exchange(WarpOp::MmaTf32, 0xffffffffu, to_bits(&f), 0, warpSize, GANFORGE_SIMT_SITE);
}
inline void mma_sync_m16n8k16_bf16(float (&d)[4], const uint32_t (&a)[4], const uint32_t (&b)[2], const float (&c)[4],
                                   GANFORGE_SIMT_SITE_PARAMS) {
  using namespace ganforge::simt;
  MmaFragments f{a, b, c, d};
  warp_exchange(WarpOp::MmaBf16, 0xffffffffu, to_bits(&f), 0, warpSize, GANFORGE_SIMT_SITE);
}
// ldmatrix.sync.aligned.m8n8.x{1,2,4}[.trans].shared.b16: 1, 2 or 4 matrices of 8x8 16-bit
// elements, lane 8i + j naming row j of matrix i (16-byte aligned). Register i of lane l holds
// matrix i's elements (l/4, 2(l%4)) and (l/4, 2(l%4)+1), the first in the low half; with .trans,
// (2(l%4), l/4) and (2(l%4)+1, l/4): the fragments mma.sync takes.
template <int kMatrices>
void ldmatrix_sync(uint32_t (&registers)[kMatrices], const void* row, bool transpose = false, GANFORGE_SIMT_SITE_PARAMS) {
  static_assert(kMatrices == 1 || kMatrices == 2 || kMatrices == 4, "ldmatrix loads 1, 2 or 4 matrices");
  using namespace ganforge::simt;
  LdMatrixRequest request{row, registers, kMatrices, transpose};
  warp_exchange(WarpOp::LdMatrix, 0xffffffffu, to_bits(&request), 0, warpSize, GANFORGE_SIMT_SITE);
}
// cp.async.{ca,cg}.shared.global [dst], [src], bytes; cp.async.commit_group; cp.async.wait_group N
// (wait_all is a commit and a wait for 0).
inline void cp_async_copy(void* shared_destination, const void* global_source, size_t bytes, GANFORGE_SIMT_SITE_PARAMS) {
  ganforge::simt::cp_async(shared_destination, global_source, bytes, GANFORGE_SIMT_SITE);
}
inline void cp_async_commit(GANFORGE_SIMT_SITE_PARAMS) { ganforge::simt::cp_async_commit_group(GANFORGE_SIMT_SITE); }
inline void cp_async_wait(int pending, GANFORGE_SIMT_SITE_PARAMS) { ganforge::simt::cp_async_wait_group(pending, GANFORGE_SIMT_SITE); }

// cvt.rna.tf32.f32: to 10 explicit mantissa bits, to nearest with ties away from zero (the low 13
// bits of the result are 0). NaN and infinity pass through.
inline uint32_t cvt_rna_tf32(float x) {
  uint32_t bits = ganforge::simt::to_bits(x) & 0xffffffffu;
  if ((bits & 0x7f800000u) == 0x7f800000u) return bits;
  bits += 0x1000u;  // half of the 2^13 dropped: a tie rounds away from zero in magnitude
  return bits & ~0x1fffu;
}
// __float2bfloat16_rn's bits: to 7 explicit mantissa bits, to nearest with ties to even.
inline uint16_t float_to_bf16_rn(float x) {
  const uint32_t bits = static_cast<uint32_t>(ganforge::simt::to_bits(x));
  if ((bits & 0x7f800000u) == 0x7f800000u && (bits & 0x7fffffu) != 0) return static_cast<uint16_t>((bits >> 16) | 0x40u);
  return static_cast<uint16_t>((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
}

// ---- Atomics: real atomics (std::atomic_ref), returning the old value as CUDA does ----
template <class T>
T simt_atomic_add(T* address, T value) {
  return std::atomic_ref<T>(*address).fetch_add(value);
}
inline int atomicAdd(int* a, int v) { return simt_atomic_add(a, v); }
inline unsigned atomicAdd(unsigned* a, unsigned v) { return simt_atomic_add(a, v); }
inline unsigned long long atomicAdd(unsigned long long* a, unsigned long long v) { return simt_atomic_add(a, v); }
inline float atomicAdd(float* a, float v) { return simt_atomic_add(a, v); }
inline double atomicAdd(double* a, double v) { return simt_atomic_add(a, v); }

template <class T, class Pick>
T simt_atomic_update(T* address, T value, Pick pick) {
  std::atomic_ref<T> ref(*address);
  T old = ref.load();
  while (!ref.compare_exchange_weak(old, pick(old, value))) {
  }
  return old;
}
#define GANFORGE_SIMT_MIN_MAX(T)                                                                               \
  inline T atomicMax(T* a, T v) { return simt_atomic_update(a, v, [](T x, T y) { return x > y ? x : y; }); } \
  inline T atomicMin(T* a, T v) { return simt_atomic_update(a, v, [](T x, T y) { return x < y ? x : y; }); }
GANFORGE_SIMT_MIN_MAX(int)
GANFORGE_SIMT_MIN_MAX(unsigned)
GANFORGE_SIMT_MIN_MAX(long long)
GANFORGE_SIMT_MIN_MAX(unsigned long long)
#undef GANFORGE_SIMT_MIN_MAX

template <class T>
T simt_atomic_cas(T* address, T compare, T value) {
  std::atomic_ref<T>(*address).compare_exchange_strong(compare, value);
  return compare;  // the old value whether or not the swap happened
}
inline int atomicCAS(int* a, int c, int v) { return simt_atomic_cas(a, c, v); }
inline unsigned atomicCAS(unsigned* a, unsigned c, unsigned v) { return simt_atomic_cas(a, c, v); }
inline unsigned long long atomicCAS(unsigned long long* a, unsigned long long c, unsigned long long v) {
  return simt_atomic_cas(a, c, v);
}
inline int atomicExch(int* a, int v) { return std::atomic_ref<int>(*a).exchange(v); }
inline float atomicExch(float* a, float v) { return std::atomic_ref<float>(*a).exchange(v); }

// ---- Intrinsics. The fast-math ones are exact here, so results differ slightly from a GPU's. ----
inline float __expf(float x) { return std::exp(x); }
inline float __logf(float x) { return std::log(x); }
inline float __fdividef(float a, float b) { return a / b; }
inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }
inline float __uint_as_float(unsigned x) { return ganforge::simt::from_bits<float>(x); }
inline unsigned __float_as_uint(float x) { return static_cast<unsigned>(ganforge::simt::to_bits(x)); }
inline double rsqrt(double x) { return 1.0 / std::sqrt(x); }
template <class T>
T __ldg(const T* p) {
  return *p;
}
#define GANFORGE_SIMT_MIN_MAX(T)                      \
  inline T min(T a, T b) { return a < b ? a : b; } \
  inline T max(T a, T b) { return a > b ? a : b; }
GANFORGE_SIMT_MIN_MAX(int)
GANFORGE_SIMT_MIN_MAX(unsigned)
GANFORGE_SIMT_MIN_MAX(long)
GANFORGE_SIMT_MIN_MAX(unsigned long)
GANFORGE_SIMT_MIN_MAX(long long)
GANFORGE_SIMT_MIN_MAX(unsigned long long)
#undef GANFORGE_SIMT_MIN_MAX
inline float min(float a, float b) { return std::fmin(a, b); }
inline float max(float a, float b) { return std::fmax(a, b); }
inline double min(double a, double b) { return std::fmin(a, b); }
inline double max(double a, double b) { return std::fmax(a, b); }
inline float4 make_float4(float x, float y, float z, float w) { return float4{x, y, z, w}; }
inline int4 make_int4(int x, int y, int z, int w) { return int4{x, y, z, w}; }

// ---- The runtime API the project uses, on host memory (no libcudart in this build). ----
// C++ linkage keeps these apart from libcudart's C symbols when both backends are linked.
cudaError_t cudaMalloc(void** ptr, size_t bytes);
template <class T>
cudaError_t cudaMalloc(T** ptr, size_t bytes) {
  return cudaMalloc(reinterpret_cast<void**>(ptr), bytes);
}
cudaError_t cudaFree(void* ptr);
cudaError_t cudaMemcpy(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind);
cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind, cudaStream_t stream = nullptr);
cudaError_t cudaMemset(void* ptr, int value, size_t bytes);
cudaError_t cudaMemsetAsync(void* ptr, int value, size_t bytes, cudaStream_t stream = nullptr);
cudaError_t cudaDeviceSynchronize();
cudaError_t cudaStreamSynchronize(cudaStream_t stream);
cudaError_t cudaGetLastError();
cudaError_t cudaPeekAtLastError();
const char* cudaGetErrorString(cudaError_t error);
cudaError_t cudaGetDeviceCount(int* count);
cudaError_t cudaGetDevice(int* device);
cudaError_t cudaSetDevice(int device);
cudaError_t cudaGetDeviceProperties(cudaDeviceProp* prop, int device);

namespace ganforge::simt {
// Bytes of the device allocation containing [ptr, ptr + bytes), or an exception naming `what`.
void check_device_range(const void* ptr, size_t bytes, const char* what);
// Records a launch configuration error for cudaGetLastError, as a GPU does.
void set_last_error(cudaError_t error);
}  // namespace ganforge::simt
