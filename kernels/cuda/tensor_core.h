// The warp-level tensor-core instructions the kernels use, spelled one way for both builds:
// under nvcc they are the inline PTX below (mma.sync, ldmatrix, cp.async, cvt; sm_80 and
// newer), under g++ the emulator's twins of the same names (kernels/simt/simt.h), which carry
// the PTX ISA's fragment layouts, roundings and wait rules.
#pragma once

#include <cstdint>

#include "kernels/cuda/device.h"

namespace ganforge::kernels::GANFORGE_CUDA_NS {

#if defined(__CUDACC__)
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 800
// The host side never launches a tensor-core kernel below compute capability 8.0
// (require_tensor_cores); the bodies only have to compile there.
#define GANFORGE_SM80_ASM(...) __trap()
#else
#define GANFORGE_SM80_ASM(...) asm volatile(__VA_ARGS__)
#endif

__device__ inline void mma_sync_m16n8k8_tf32(float (&d)[4], const uint32_t (&a)[4], const uint32_t (&b)[2],
                                             const float (&c)[4]) {
  GANFORGE_SM80_ASM(
      "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
      "{%10, %11, %12, %13};\n"
      : "=f"(d[0]), "=f"(d[1]), "=f"(d[2]), "=f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]), "f"(c[0]), "f"(c[1]), "f"(c[2]), "f"(c[3]));
}

__device__ inline void mma_sync_m16n8k16_bf16(float (&d)[4], const uint32_t (&a)[4], const uint32_t (&b)[2],
                                              const float (&c)[4]) {
  GANFORGE_SM80_ASM(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
      "{%10, %11, %12, %13};\n"
      : "=f"(d[0]), "=f"(d[1]), "=f"(d[2]), "=f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]), "f"(c[0]), "f"(c[1]), "f"(c[2]), "f"(c[3]));
}

__device__ inline uint32_t shared_address(const void* p) { return static_cast<uint32_t>(__cvta_generic_to_shared(p)); }

template <int kMatrices>
__device__ inline void ldmatrix_sync(uint32_t (&r)[kMatrices], const void* row, bool transpose = false) {
  static_assert(kMatrices == 1 || kMatrices == 2 || kMatrices == 4, "ldmatrix loads 1, 2 or 4 matrices");
  const uint32_t address = shared_address(row);
  if constexpr (kMatrices == 1) {
    if (transpose)
      GANFORGE_SM80_ASM("ldmatrix.sync.aligned.m8n8.x1.trans.shared.b16 {%0}, [%1];\n" : "=r"(r[0]) : "r"(address));
    else
      GANFORGE_SM80_ASM("ldmatrix.sync.aligned.m8n8.x1.shared.b16 {%0}, [%1];\n" : "=r"(r[0]) : "r"(address));
  } else if constexpr (kMatrices == 2) {
    if (transpose)
      GANFORGE_SM80_ASM("ldmatrix.sync.aligned.m8n8.x2.trans.shared.b16 {%0, %1}, [%2];\n"
                        : "=r"(r[0]), "=r"(r[1])
                        : "r"(address));
    else
      GANFORGE_SM80_ASM("ldmatrix.sync.aligned.m8n8.x2.shared.b16 {%0, %1}, [%2];\n"
                        : "=r"(r[0]), "=r"(r[1])
                        : "r"(address));
  } else {
    if (transpose)
      GANFORGE_SM80_ASM("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                        : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                        : "r"(address));
    else
      GANFORGE_SM80_ASM("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                        : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                        : "r"(address));
  }
}

// 4, 8 or 16 bytes; 16-byte copies bypass L1 (.cg), smaller ones may not (.ca only).
__device__ inline void cp_async_copy(void* shared_destination, const void* global_source, size_t bytes) {
  const uint32_t destination = shared_address(shared_destination);
  switch (bytes) {
    case 4:
      GANFORGE_SM80_ASM("cp.async.ca.shared.global [%0], [%1], 4;\n" ::"r"(destination), "l"(global_source));
      break;
    case 8:
      GANFORGE_SM80_ASM("cp.async.ca.shared.global [%0], [%1], 8;\n" ::"r"(destination), "l"(global_source));
      break;
    default:
      GANFORGE_SM80_ASM("cp.async.cg.shared.global [%0], [%1], 16;\n" ::"r"(destination), "l"(global_source));
      break;
  }
}
__device__ inline void cp_async_commit() { GANFORGE_SM80_ASM("cp.async.commit_group;\n" ::); }
// wait_group takes an immediate: kernels pass a constant, which inlining turns into one case.
__device__ inline void cp_async_wait(int pending) {
  switch (pending) {
    case 0:
      GANFORGE_SM80_ASM("cp.async.wait_group 0;\n" ::);
      break;
    case 1:
      GANFORGE_SM80_ASM("cp.async.wait_group 1;\n" ::);
      break;
    case 2:
      GANFORGE_SM80_ASM("cp.async.wait_group 2;\n" ::);
      break;
    default:
      GANFORGE_SM80_ASM("cp.async.wait_group 3;\n" ::);
      break;
  }
}

__device__ inline uint32_t cvt_rna_tf32(float x) {
  uint32_t r;
  GANFORGE_SM80_ASM("cvt.rna.tf32.f32 %0, %1;\n" : "=r"(r) : "f"(x));
  return r;
}
// Two floats as a bf16 pair, each rounded to nearest even; `low` in the low half.
__device__ inline uint32_t pack_bf16x2(float low, float high) {
  uint32_t r;
  GANFORGE_SM80_ASM("cvt.rn.bf16x2.f32 %0, %1, %2;\n" : "=r"(r) : "f"(high), "f"(low));
  return r;
}
#undef GANFORGE_SM80_ASM
#else
inline uint32_t pack_bf16x2(float low, float high) {
  return uint32_t{float_to_bf16_rn(low)} | uint32_t{float_to_bf16_rn(high)} << 16;
}
#endif

}  // namespace ganforge::kernels::GANFORGE_CUDA_NS
