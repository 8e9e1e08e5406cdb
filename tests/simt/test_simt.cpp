// The SIMT emulator's self-tests: kernels written as for a GPU (launched through the one
// helper) whose results are known, and planted bugs that must each produce their diagnostic.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <vector>

#include "kernels/cuda/device.h"
#include "tests/simt/device_buffer.h"

namespace {

using ganforge::kernels::cuda_simt::launch;
using ganforge::simt::KernelError;

// ---- kernels ----

__global__ void write_global_ids(int* out, int n) {
  const int threads_per_block = blockDim.x * blockDim.y * blockDim.z;
  const int block = blockIdx.x + gridDim.x * (blockIdx.y + gridDim.y * blockIdx.z);
  const int thread = threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z);
  const int id = block * threads_per_block + thread;
  if (id < n) out[id] = id;
}

// Each round, every thread writes its slot and then reads its mirror's: wrong without both barriers.
__global__ void mirror_rounds(int* out, int rounds) {
  __shared__ int slots[256];
  int value = threadIdx.x;
  for (int r = 0; r < rounds; ++r) {
    slots[threadIdx.x] = value + r;
    __syncthreads();
    value = slots[blockDim.x - 1 - threadIdx.x];
    __syncthreads();
  }
  out[blockIdx.x * blockDim.x + threadIdx.x] = value;
}

// Tree sum in shared memory: a barrier inside a loop whose trip count halves.
__global__ void block_sum(const float* in, float* out) {
  __shared__ float partial[128];
  partial[threadIdx.x] = in[blockIdx.x * blockDim.x + threadIdx.x];
  __syncthreads();
  for (unsigned half = blockDim.x / 2; half > 0; half /= 2) {
    if (threadIdx.x < half) partial[threadIdx.x] += partial[threadIdx.x + half];
    __syncthreads();
  }
  if (threadIdx.x == 0) out[blockIdx.x] = partial[0];
}

// Reads its dynamic shared slot before anyone writes it (must be NaN), then reverses.
__global__ void dynamic_shared_reverse(const double* in, double* out, int* unwritten_was_nan) {
  GANFORGE_DYNAMIC_SHARED(double, buffer);
  if (std::isnan(buffer[threadIdx.x])) atomicAdd(unwritten_was_nan, 1);
  __syncthreads();
  buffer[threadIdx.x] = in[blockIdx.x * blockDim.x + threadIdx.x];
  __syncthreads();
  out[blockIdx.x * blockDim.x + threadIdx.x] = buffer[blockDim.x - 1 - threadIdx.x];
}

// One output row of 8 values per thread, from each warp operation.
__global__ void warp_operations(int* out) {
  const int lane = threadIdx.x % 32;
  int* row = out + 8 * (blockIdx.x * blockDim.x + threadIdx.x);
  row[0] = __shfl_sync(0xffffffffu, lane * 10, 3);                // broadcast lane 3
  row[1] = __shfl_up_sync(0xffffffffu, lane, 2);                  // lanes 0-1 keep their own
  row[2] = __shfl_down_sync(0xffffffffu, lane, 5);                // lanes 27-31 keep their own
  int sum = lane;                                                 // butterfly: every lane gets the total
  for (int offset = 16; offset > 0; offset /= 2) sum += __shfl_xor_sync(0xffffffffu, sum, offset);
  row[3] = sum;
  row[4] = static_cast<int>(__ballot_sync(0xffffffffu, lane % 3 == 0));
  row[5] = __any_sync(0xffffffffu, lane == 17) + 2 * __all_sync(0xffffffffu, lane < 32) + 4 * __all_sync(0xffffffffu, lane < 31);
  row[6] = __shfl_sync(0xffffffffu, lane, 0, 16);                 // width 16: each half's first lane
  // Two independent groups: each half of the warp meets on its own mask.
  const unsigned half = lane < 16 ? 0x0000ffffu : 0xffff0000u;
  __syncwarp(half);
  row[7] = __shfl_down_sync(half, lane, 1, 16) + static_cast<int>(__ballot_sync(half, 1) == half);
}

__global__ void shuffle_doubles(double* out) {
  double v = threadIdx.x + 0.25;
  out[threadIdx.x] = __shfl_xor_sync(0xffffffffu, v, 1);
}

__global__ void atomics(float* fsum, int* isum, int* imax, int* imin, unsigned long long* cas_count) {
  const int id = blockIdx.x * blockDim.x + threadIdx.x;
  atomicAdd(fsum, 0.5f);
  atomicAdd(isum, 1);
  atomicMax(imax, id);
  atomicMin(imin, -id);
  unsigned long long seen = *cas_count, assumed;  // increment through a CAS loop
  do {
    assumed = seen;
    seen = atomicCAS(cas_count, assumed, assumed + 1);
  } while (seen != assumed);
}

__global__ void intrinsics_and_vector_types(int* out) {
  out[0] = 1;
  out[1] = warpSize + static_cast<int>(rsqrtf(4.0f) * 2) + min(3, 7) + max(3, 7) + static_cast<int>(__ldg(out + 0));
  float4 v = make_float4(1, 2, 3, 4);
  out[2] = static_cast<int>(v.x + v.y + v.z + v.w + fmaf(2.0f, 3.0f, 1.0f) + __fdividef(8.0f, 2.0f) + __expf(0.0f) + __logf(1.0f));
}

// ---- planted bugs ----

__global__ void divergent_barrier(int* out) {
  if (threadIdx.x < 16) __syncthreads();  // threads 16-31 never get here
  out[threadIdx.x] = 1;
}

__global__ void different_barriers(int* out) {
  if (threadIdx.x % 2 == 0) {
    __syncthreads();
  } else {
    __syncthreads();
  }
  out[threadIdx.x] = 1;
}

__global__ void full_mask_in_partial_warp(int* out) {
  out[threadIdx.x] = __shfl_sync(0xffffffffu, static_cast<int>(threadIdx.x), 0);  // warp 1 has 16 lanes
}

__global__ void mask_without_caller(int* out) {
  out[threadIdx.x] = __shfl_sync(threadIdx.x == 5 ? 0x1u : 0xffffffffu, static_cast<int>(threadIdx.x), 0);
}

__global__ void mask_with_exited_lane(int* out) {
  if (threadIdx.x == 7) return;
  out[threadIdx.x] = __shfl_sync(0xffffffffu, static_cast<int>(threadIdx.x), 0);
}

#if defined(__SANITIZE_ADDRESS__)
__global__ void out_of_bounds_write(int* out, int n) { out[n + threadIdx.x] = 1; }
#endif

__global__ void spin_wait(volatile int* flag) {
  if (threadIdx.x == 0)
    while (*flag == 0) {
    }  // waits for thread 1, which never runs while thread 0 spins
  if (threadIdx.x == 1) *flag = 1;
}

// A path the emulator cannot run, as tensor-core code (wmma, mma, inline PTX) will be.
__global__ void tensor_core_path(int* out) {
  GANFORGE_NOT_EMULATED("wmma::mma_sync");
  out[0] = 2;
}

// ---- tests ----

TEST(Simt, ManyBlocksAndThreeDimensionalIndices) {
  const int n = 5 * 3 * 2 * 64;
  DeviceBuffer<int> out(n, 0xff);
  launch(write_global_ids, dim3(5, 3, 2), dim3(8, 4, 2), 0, nullptr, out.data, n);
  std::vector<int> host = out.to_host();
  for (int i = 0; i < n; ++i) ASSERT_EQ(host[i], i);
}

TEST(Simt, BarriersInsideLoopsWithStaticSharedMemory) {
  DeviceBuffer<int> out(4 * 256);
  launch(mirror_rounds, dim3(4), dim3(256), 0, nullptr, out.data, 5);
  std::vector<int> host = out.to_host();
  // after 5 rounds each thread holds its mirror's start value plus 0 + 1 + 2 + 3 + 4
  for (int b = 0; b < 4; ++b)
    for (int t = 0; t < 256; ++t) ASSERT_EQ(host[b * 256 + t], (255 - t) + 10) << t;
}

TEST(Simt, SharedMemoryTreeReductionOverManyBlocks) {
  const int blocks = 37;
  std::vector<float> values(blocks * 128);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i % 17);
  DeviceBuffer<float> in(values.size()), out(blocks);
  cudaMemcpy(in.data, values.data(), values.size() * sizeof(float), cudaMemcpyHostToDevice);
  launch(block_sum, dim3(blocks), dim3(128), 0, nullptr, in.data, out.data);
  std::vector<float> sums = out.to_host();
  for (int b = 0; b < blocks; ++b)
    EXPECT_EQ(sums[b], std::accumulate(values.begin() + b * 128, values.begin() + (b + 1) * 128, 0.0f)) << b;
}

TEST(Simt, DynamicSharedMemoryStartsAsNaNInEveryBlock) {
  const int blocks = 3, threads = 64;
  std::vector<double> values(blocks * threads);
  std::iota(values.begin(), values.end(), 0.5);
  DeviceBuffer<double> in(values.size()), out(values.size());
  DeviceBuffer<int> nan_reads(1);
  cudaMemcpy(in.data, values.data(), values.size() * sizeof(double), cudaMemcpyHostToDevice);
  launch(dynamic_shared_reverse, dim3(blocks), dim3(threads), threads * sizeof(double), nullptr, in.data, out.data,
         nan_reads.data);
  EXPECT_EQ(nan_reads.to_host()[0], blocks * threads);
  std::vector<double> host = out.to_host();
  for (int b = 0; b < blocks; ++b)
    for (int t = 0; t < threads; ++t) EXPECT_EQ(host[b * threads + t], values[b * threads + threads - 1 - t]);
}

TEST(Simt, EachWarpOperation) {
  const int threads = 64;  // two full warps
  DeviceBuffer<int> out(8 * threads);
  launch(warp_operations, dim3(1), dim3(threads), 0, nullptr, out.data);
  std::vector<int> host = out.to_host();
  unsigned every_third = 0;
  for (int l = 0; l < 32; l += 3) every_third |= 1u << l;
  for (int t = 0; t < threads; ++t) {
    const int lane = t % 32;
    const int* row = &host[8 * t];
    EXPECT_EQ(row[0], 30) << t;
    EXPECT_EQ(row[1], lane < 2 ? lane : lane - 2) << t;
    EXPECT_EQ(row[2], lane + 5 < 32 ? lane + 5 : lane) << t;
    EXPECT_EQ(row[3], 31 * 32 / 2) << t;
    EXPECT_EQ(static_cast<unsigned>(row[4]), every_third) << t;
    EXPECT_EQ(row[5], 1 + 2) << t;
    EXPECT_EQ(row[6], lane < 16 ? 0 : 16) << t;
    EXPECT_EQ(row[7], ((lane % 16) == 15 ? lane : lane + 1) + 1) << t;
  }
  DeviceBuffer<double> doubles(32);
  launch(shuffle_doubles, dim3(1), dim3(32), 0, nullptr, doubles.data);
  std::vector<double> d = doubles.to_host();
  for (int l = 0; l < 32; ++l) EXPECT_EQ(d[l], (l ^ 1) + 0.25);
}

TEST(Simt, AtomicsAreExactAcrossBlocks) {
  DeviceBuffer<float> fsum(1);
  DeviceBuffer<int> isum(1), imax(1), imin(1);
  DeviceBuffer<unsigned long long> cas(1);
  launch(atomics, dim3(40), dim3(96), 0, nullptr, fsum.data, isum.data, imax.data, imin.data, cas.data);
  const int n = 40 * 96;
  EXPECT_EQ(fsum.to_host()[0], 0.5f * n);
  EXPECT_EQ(isum.to_host()[0], n);
  EXPECT_EQ(imax.to_host()[0], n - 1);
  EXPECT_EQ(imin.to_host()[0], -(n - 1));
  EXPECT_EQ(cas.to_host()[0], static_cast<unsigned long long>(n));
}

TEST(Simt, IntrinsicsAndVectorTypes) {
  DeviceBuffer<int> out(3);
  launch(intrinsics_and_vector_types, dim3(1), dim3(1), 0, nullptr, out.data);
  std::vector<int> host = out.to_host();
  EXPECT_EQ(host[0], 1);
  EXPECT_EQ(host[1], 32 + 1 + 3 + 7 + 1);
  EXPECT_EQ(host[2], 10 + 7 + 4 + 1 + 0);
}

TEST(Simt, MemoryRegistryChecksCopiesAndFrees) {
  DeviceBuffer<int> buffer(10);
  std::vector<int> host(11, 3);
  EXPECT_EQ(cudaMemcpy(buffer.data, host.data(), 10 * sizeof(int), cudaMemcpyHostToDevice), cudaSuccess);
  EXPECT_THROW(cudaMemcpy(buffer.data, host.data(), 11 * sizeof(int), cudaMemcpyHostToDevice), KernelError);
  EXPECT_THROW(cudaMemset(buffer.data + 5, 0, 6 * sizeof(int)), KernelError);
  EXPECT_EQ(cudaFree(host.data()), cudaErrorInvalidValue);
  EXPECT_EQ(cudaGetLastError(), cudaErrorInvalidValue);
  EXPECT_EQ(cudaGetLastError(), cudaSuccess);
  cudaDeviceProp prop;
  EXPECT_EQ(cudaGetDeviceProperties(&prop, 0), cudaSuccess);
  EXPECT_EQ(prop.warpSize, 32);
}

TEST(Simt, BadLaunchConfigurationIsAnErrorNamingTheCallSite) {
  DeviceBuffer<int> out(1);
  try {
    launch(write_global_ids, dim3(1), dim3(2048), 0, nullptr, out.data, 1);
    FAIL() << "a 2048-thread block must be refused";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("invalid configuration"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("test_simt.cpp"), std::string::npos) << e.what();
  }
}

// Runs the launch, expects a KernelError containing every one of `parts`.
template <class Launch>
void expect_fault(Launch run, std::initializer_list<const char*> parts) {
  try {
    run();
    FAIL() << "the planted bug was not reported";
  } catch (const KernelError& e) {
    for (const char* part : parts) EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << "missing '" << part << "' in: " << e.what();
  }
}

TEST(SimtNegative, DivergentBarrierNamesKernelLineAndThreads) {
  DeviceBuffer<int> out(32);
  expect_fault([&] { launch(divergent_barrier, dim3(2), dim3(32), 0, nullptr, out.data); },
               {"divergent barrier", "divergent_barrier", "test_simt.cpp:", "block (0,0,0)",
                "Waiting there: threads (0,0,0)-(15,0,0)", "Exited without reaching it: threads (16,0,0)-(31,0,0)"});
  // the emulator is usable again after a fault
  DeviceBuffer<int> ids(64);
  launch(write_global_ids, dim3(2), dim3(32), 0, nullptr, ids.data, 64);
  EXPECT_EQ(ids.to_host()[63], 63);
}

TEST(SimtNegative, ThreadsAtDifferentBarriersAreReported) {
  DeviceBuffer<int> out(64);
  expect_fault([&] { launch(different_barriers, dim3(1), dim3(64), 0, nullptr, out.data); },
               {"divergent barrier", "Waiting at another barrier"});
}

TEST(SimtNegative, WarpMaskNamingAbsentLanes) {
  DeviceBuffer<int> out(48);
  expect_fault([&] { launch(full_mask_in_partial_warp, dim3(1), dim3(48), 0, nullptr, out.data); },
               {"full_mask_in_partial_warp", "__shfl_sync with mask 0xffffffff names lanes that do not exist",
                "lanes 0x0000ffff", "thread (32,0,0)"});
}

TEST(SimtNegative, WarpMaskWithoutTheCallerOrWithAnExitedLane) {
  DeviceBuffer<int> out(32);
  expect_fault([&] { launch(mask_without_caller, dim3(1), dim3(32), 0, nullptr, out.data); },
               {"does not name the calling lane 5"});
  expect_fault([&] { launch(mask_with_exited_lane, dim3(1), dim3(32), 0, nullptr, out.data); },
               {"names lane 7, which has exited"});
}

TEST(SimtNegative, UnemulatedTensorCorePathIsAnError) {
  DeviceBuffer<int> out(1);
  expect_fault([&] { launch(tensor_core_path, dim3(1), dim3(1), 0, nullptr, out.data); },
               {"wmma::mma_sync is not emulated", "tensor_core_path"});
}

TEST(SimtNegative, OutOfBoundsWriteIsCaughtByAddressSanitizer) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        DeviceBuffer<int> out(40);
        launch(out_of_bounds_write, dim3(1), dim3(4), 0, nullptr, out.data, 40);
      },
      "heap-buffer-overflow");
#else
  GTEST_SKIP() << "needs the AddressSanitizer build (tools/test.sh runs it)";
#endif
}

TEST(SimtNegative, WatchdogReportsASpinWait) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        ganforge::simt::set_watchdog_seconds(1);
        DeviceBuffer<int> flag(1);
        launch(spin_wait, dim3(1), dim3(2), 0, nullptr, flag.data);
      },
      "simt watchdog: .* without reaching a barrier.* block \\(0,0,0\\) thread \\(0,0,0\\)");
}

}  // namespace
