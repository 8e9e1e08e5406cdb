// GANFORGE_HOST_DEVICE marks the functions of kernels/common, which run in host code (the cpu
// backend) and in kernels: under nvcc they are __host__ __device__; under g++ they are plain
// functions, which is also what the SIMT emulator runs as device code. They are forced inline:
// a formula called with a constant op (see visit_op) must fold to its one case, so that the
// loop around it vectorises.
#pragma once

#if defined(__CUDACC__)
#define GANFORGE_HOST_DEVICE __host__ __device__ __forceinline__
#else
#define GANFORGE_HOST_DEVICE [[gnu::always_inline]] inline
#endif
