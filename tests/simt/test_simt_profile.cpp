// The emulator's memory profiler (kernels/simt/profile.h) on access patterns whose counters are
// known from the hardware's rules: coalescing into 32-byte sectors, the 32 banks of shared
// memory, divergence, barriers, and the source line each access is charged to.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "kernels/cuda/device.h"
#include "kernels/simt/profile.h"
#include "tests/simt/device_buffer.h"

namespace {

using ganforge::kernels::cuda_simt::launch;
using ganforge::simt::AccessSite;
using ganforge::simt::KernelProfile;
using ganforge::simt::MemorySpace;

// The line of the copy's load and store, for the test that checks where counters are charged.
constexpr int kCopyLine = __LINE__ + 3;
__global__ void coalesced_copy(const float* in, float* out) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  out[i] = in[i];
}

__global__ void strided_read(const float* in, float* out, int stride) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  out[i] = in[i * stride];
}

__global__ void vector_copy(const float4* in, float4* out) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  out[i] = in[i];
}

__global__ void broadcast_read(const float* in, float* out) { out[threadIdx.x] = in[0]; }

__global__ void even_lanes_write(float* out) {
  if (threadIdx.x % 2 == 0) out[threadIdx.x] = 1.0f;
}

// One warp writes a 32x32 tile's column (lane l writes row l): without padding every row
// starts in bank 0, so the 32 words of a column are all in one bank.
template <int kPitch>
__global__ void column_write(float* out) {
  __shared__ float tile[32 * kPitch];
  for (int c = 0; c < 32; ++c) tile[threadIdx.x * kPitch + c] = static_cast<float>(c);
  __syncthreads();
  float sum = 0;
  for (int c = 0; c < 32; ++c) sum += tile[c * kPitch + threadIdx.x];
  out[threadIdx.x] = sum;
}

// Every lane reads one word (g++ does not report a constant index into a static __shared__
// array, see kernels/simt/profile.h, so this one is computed).
__global__ void shared_broadcast(float* out) {
  __shared__ float cell[1];
  const unsigned warp = threadIdx.x / 32;
  if (threadIdx.x == 0) cell[warp] = 3.0f;
  __syncthreads();
  out[threadIdx.x] = cell[warp];
}

// Stages 16 bytes a lane, then reads one float of each: a stride of 4 words, 4 lanes per bank.
__global__ void dynamic_shared_vector(const float4* in, float* out) {
  GANFORGE_DYNAMIC_SHARED(float4, staged);
  staged[threadIdx.x] = in[threadIdx.x];
  __syncthreads();
  out[threadIdx.x] = staged[31 - threadIdx.x].y;
}

__global__ void read_twice(const float* in, float* out) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  out[i] = in[i] + in[(i + 32) % (gridDim.x * blockDim.x)];
}

// The twins that move memory inside the runtime report it too: 32 lanes stage 4 consecutive
// bytes each with cp.async, then ldmatrix.x4 reads 32 rows of 16 bytes, lane l naming row l,
// kPitch floats apart. A row pitch of 16 floats puts rows 0, 2, 4 and 6 of each quarter warp's
// 8 in the same banks; 20 floats spreads the 8 rows over all 32 banks.
constexpr int kStageLine = __LINE__ + 5;
template <int kPitch>
__global__ void staged_by_twins(const float* in, float* out) {
  __shared__ float4 aligned[32 * kPitch / 4];  // ldmatrix rows start at 16-byte boundaries
  float* rows = reinterpret_cast<float*>(aligned);
  cp_async_copy(&rows[threadIdx.x], &in[threadIdx.x], 4);
  cp_async_commit();
  cp_async_wait(0);
  __syncthreads();
  uint32_t r[4];
  ldmatrix_sync<4>(r, &rows[threadIdx.x * kPitch]);
  out[threadIdx.x] = __uint_as_float(r[0]);
}

class SimtProfile : public ::testing::Test {
 protected:
  void SetUp() override {
#if defined(GANFORGE_SIMT_INSTRUMENTED)
    ASSERT_TRUE(ganforge::simt::profile_instrumented()) << "this target was built instrumented";
#else
    GTEST_SKIP() << "kernels not instrumented: a sanitizer build, or not g++ (kernels/CMakeLists.txt)";
#endif
    ganforge::simt::profile_clear();
    ganforge::simt::profile_start();
  }
  void TearDown() override { ganforge::simt::profile_stop(); }

  // The one kernel counted so far whose name starts with `name`.
  static KernelProfile kernel(const std::string& name) {
    std::vector<KernelProfile> found;
    for (KernelProfile& k : ganforge::simt::profile_kernels())
      if (k.name.rfind(name, 0) == 0) found.push_back(std::move(k));
    EXPECT_EQ(found.size(), 1u) << "kernels named " << name;
    return found.empty() ? KernelProfile{} : found.front();
  }
  // Its one site in `space` that loads (or stores).
  static AccessSite site(const KernelProfile& k, MemorySpace space, bool store) {
    std::vector<AccessSite> found;
    for (const AccessSite& s : k.sites)
      if (s.space == space && s.store == store) found.push_back(s);
    EXPECT_EQ(found.size(), 1u) << k.name << (store ? " stores" : " loads");
    return found.empty() ? AccessSite{} : found.front();
  }
};

TEST_F(SimtProfile, CoalescedCopyTouchesFourSectorsPerRequestOnItsSourceLines) {
  DeviceBuffer<float> in(256), out(256);
  launch(coalesced_copy, dim3(2), dim3(128), 0, nullptr, in.data, out.data);
  const KernelProfile k = kernel("coalesced_copy");
  EXPECT_EQ(k.launches, 1u);
  EXPECT_EQ(k.blocks, 2u);
  EXPECT_EQ(k.threads, 256u);
  EXPECT_EQ(k.launched_at.rfind("tests/simt/test_simt_profile.cpp:", 0), 0u) << k.launched_at;
  for (bool store : {false, true}) {
    const AccessSite s = site(k, MemorySpace::Global, store);
    EXPECT_EQ(s.requests, 8u);  // 8 warps
    EXPECT_EQ(s.sectors, 8u * 4);
    EXPECT_EQ(s.ideal_sectors, 8u * 4);
    EXPECT_EQ(s.active_lanes, 8u * 32);
    EXPECT_EQ(s.bytes_requested, 256u * 4);
    EXPECT_EQ(s.file, "tests/simt/test_simt_profile.cpp");
    EXPECT_EQ(s.line, kCopyLine);
  }
  EXPECT_EQ(k.global_bytes, 2u * 256 * 4);
  EXPECT_EQ(k.unique_global_bytes, 2u * 256 * 4);
}

TEST_F(SimtProfile, StridedReadTouchesOneSectorPerLane) {
  DeviceBuffer<float> in(32 * 32), out(32);
  launch(strided_read, dim3(1), dim3(32), 0, nullptr, in.data, out.data, 32);
  const AccessSite s = site(kernel("strided_read"), MemorySpace::Global, false);
  EXPECT_EQ(s.requests, 1u);
  EXPECT_EQ(s.sectors, 32u);
  EXPECT_EQ(s.ideal_sectors, 4u);
}

TEST_F(SimtProfile, SixteenByteAccessesAndBroadcasts) {
  DeviceBuffer<float4> in4(32), out4(32);
  launch(vector_copy, dim3(1), dim3(32), 0, nullptr, in4.data, out4.data);
  const AccessSite v = site(kernel("vector_copy"), MemorySpace::Global, false);
  EXPECT_EQ(v.sectors, 16u);  // 512 bytes
  EXPECT_EQ(v.ideal_sectors, 16u);

  DeviceBuffer<float> in(1), out(32);
  launch(broadcast_read, dim3(1), dim3(32), 0, nullptr, in.data, out.data);
  const AccessSite b = site(kernel("broadcast_read"), MemorySpace::Global, false);
  EXPECT_EQ(b.sectors, 1u);
  EXPECT_EQ(b.ideal_sectors, 1u);
}

TEST_F(SimtProfile, DivergentLanesAreCounted) {
  DeviceBuffer<float> out(64);
  launch(even_lanes_write, dim3(1), dim3(64), 0, nullptr, out.data);
  const AccessSite s = site(kernel("even_lanes_write"), MemorySpace::Global, true);
  EXPECT_EQ(s.requests, 2u);
  EXPECT_EQ(s.active_lanes, 2u * 16);
  EXPECT_EQ(s.sectors, 2u * 4);  // half the lanes, still the same four sectors
  EXPECT_EQ(s.ideal_sectors, 2u * 2);
}

TEST_F(SimtProfile, Stride32SharedAccessIsA32WayConflictAndPaddingRemovesIt) {
  DeviceBuffer<float> out(32);
  launch(column_write<32>, dim3(1), dim3(32), 0, nullptr, out.data);
  launch(column_write<33>, dim3(1), dim3(32), 0, nullptr, out.data);
  const KernelProfile unpadded = kernel("column_write<32>"), padded = kernel("column_write<33>");
  // Stores: lane l writes word l*pitch + c: 32 requests, each all in one bank when pitch is 32.
  const AccessSite conflicted = site(unpadded, MemorySpace::Shared, true);
  EXPECT_EQ(conflicted.requests, 32u);
  EXPECT_EQ(conflicted.wavefronts, 32u * 32);
  EXPECT_EQ(conflicted.ideal_wavefronts, 32u);
  const AccessSite free_of_conflicts = site(padded, MemorySpace::Shared, true);
  EXPECT_EQ(free_of_conflicts.wavefronts, 32u);
  // Loads read a row (consecutive words): one wavefront each, either pitch.
  EXPECT_EQ(site(unpadded, MemorySpace::Shared, false).wavefronts, 32u);
  EXPECT_EQ(site(padded, MemorySpace::Shared, false).wavefronts, 32u);
  EXPECT_EQ(unpadded.barriers, 1u);
}

TEST_F(SimtProfile, CpAsyncAndLdmatrixAreCountedAtTheirCallSites) {
  DeviceBuffer<float> in(32), out(32);
  launch(staged_by_twins<16>, dim3(1), dim3(32), 0, nullptr, in.data, out.data);
  launch(staged_by_twins<20>, dim3(1), dim3(32), 0, nullptr, in.data, out.data);
  const KernelProfile conflicted = kernel("staged_by_twins<16>"), padded = kernel("staged_by_twins<20>");
  const AccessSite copy_read = site(padded, MemorySpace::Global, false);
  EXPECT_EQ(copy_read.sectors, 4u);
  EXPECT_EQ(copy_read.ideal_sectors, 4u);
  EXPECT_EQ(copy_read.file, "tests/simt/test_simt_profile.cpp");
  EXPECT_EQ(copy_read.line, kStageLine);
  const AccessSite copy_write = site(padded, MemorySpace::Shared, true);
  EXPECT_EQ(copy_write.wavefronts, 1u);
  EXPECT_EQ(copy_write.line, kStageLine);
  // ldmatrix.x4: 512 bytes, four quarter-warp passes at best
  const AccessSite rows = site(padded, MemorySpace::Shared, false);
  EXPECT_EQ(rows.line, kStageLine + 5);
  EXPECT_EQ(rows.bytes_requested, 512u);
  EXPECT_EQ(rows.ideal_wavefronts, 4u);
  EXPECT_EQ(rows.wavefronts, 4u);
  EXPECT_EQ(site(conflicted, MemorySpace::Shared, false).wavefronts, 16u);
}

TEST_F(SimtProfile, SharedBroadcastAndSixteenByteSharedAccesses) {
  DeviceBuffer<float> out(32);
  launch(shared_broadcast, dim3(1), dim3(32), 0, nullptr, out.data);
  const KernelProfile b = kernel("shared_broadcast");
  const AccessSite one_word = site(b, MemorySpace::Shared, false);
  EXPECT_EQ(one_word.wavefronts, 1u);
  EXPECT_EQ(one_word.active_lanes, 32u);
  EXPECT_EQ(site(b, MemorySpace::Shared, true).active_lanes, 1u);

  DeviceBuffer<float4> in(32);
  launch(dynamic_shared_vector, dim3(1), dim3(32), 32 * sizeof(float4), nullptr, in.data, out.data);
  const KernelProfile v = kernel("dynamic_shared_vector");
  EXPECT_EQ(v.dynamic_shared_bytes, 32u * sizeof(float4));
  const AccessSite staged = site(v, MemorySpace::Shared, true);
  EXPECT_EQ(staged.wavefronts, 4u);  // 512 bytes, a quarter warp per pass
  EXPECT_EQ(staged.ideal_wavefronts, 4u);
  const AccessSite strided = site(v, MemorySpace::Shared, false);
  EXPECT_EQ(strided.wavefronts, 4u);
  EXPECT_EQ(strided.ideal_wavefronts, 1u);
}

TEST_F(SimtProfile, DistinctBytesCountEachSectorOncePerLaunch) {
  DeviceBuffer<float> in(128), out(128);
  for (int i = 0; i < 2; ++i) launch(read_twice, dim3(2), dim3(64), 0, nullptr, in.data, out.data);
  const KernelProfile k = kernel("read_twice");
  EXPECT_EQ(k.launches, 2u);
  EXPECT_EQ(k.global_bytes, 2u * 3 * 128 * 4);         // two reads and a write of 512 bytes, per launch
  EXPECT_EQ(k.unique_global_bytes, 2u * 2 * 128 * 4);  // in and out once each, per launch
  const std::vector<ganforge::simt::LaunchProfile> launches = ganforge::simt::profile_launches();
  ASSERT_EQ(launches.size(), 2u);
  EXPECT_EQ(launches[1].grid.x, 2u);
  EXPECT_EQ(launches[1].unique_global_bytes, 2u * 128 * 4);
}

TEST_F(SimtProfile, NothingIsCountedWhenStoppedAndTheReportNamesTheSites) {
  DeviceBuffer<float> in(32), out(32);
  ganforge::simt::profile_stop();
  launch(coalesced_copy, dim3(1), dim3(32), 0, nullptr, in.data, out.data);
  EXPECT_TRUE(ganforge::simt::profile_kernels().empty());
  ganforge::simt::profile_start();
  launch(coalesced_copy, dim3(1), dim3(32), 0, nullptr, in.data, out.data);
  const std::string report = ganforge::simt::profile_report();
  EXPECT_NE(report.find("coalesced_copy"), std::string::npos) << report;
  EXPECT_NE(report.find("tests/simt/test_simt_profile.cpp:" + std::to_string(kCopyLine)), std::string::npos)
      << report;
}

}  // namespace
