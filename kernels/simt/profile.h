// The SIMT emulator's memory profiler: what Nsight Compute's memory tables say about a kernel,
// counted while cuda-sim runs it. Off unless started (profile_start, or GANFORGE_SIMT_PROFILE).
//
// How accesses are seen: the cuda-sim build compiles kernels/cuda/*.cu with g++'s
// -fsanitize=kernel-address in call mode, which turns every load and store into a call of
// __asan_{load,store}N_noabort(address); kernels/simt/profile.cpp defines those calls. An
// address inside a device allocation is a global access, one inside the block's shared memory
// (dynamic, or the thread_local arrays `__shared__` becomes) a shared one; everything else
// (registers spilled to the fiber's stack, kernel parameters) is not counted. Kernels are built
// without auto-vectorisation and without splitting structs into scalars (-fno-tree-sra), so each
// access is as wide as the source wrote it: a float4 is one 16-byte access, as on a GPU. One
// thing g++ does not report: an access at a constant index into a static `__shared__` array
// (sums[0]); it never instruments in-bounds constant-offset accesses to a thread_local. The
// twins of cp.async and ldmatrix, which move memory inside the runtime, report their accesses
// themselves (profile_twin_access).
//
// Lanes of a warp run one after another under fibers, so a warp-level request is rebuilt: the
// k-th access that lane L makes from one instruction (call site) since the last barrier is
// grouped with the k-th access of the other lanes from that instruction. Per request:
//  - global: distinct 32-byte sectors touched (4 when 32 lanes read consecutive floats), against
//    the fewest that could hold the bytes requested;
//  - shared: wavefronts, the passes the 32 banks (4 bytes wide) need: for each bank the number of
//    distinct words asked of it, the worst bank setting the count (accesses of 8 and 16 bytes
//    are served a half and a quarter warp per pass, as the hardware does);
//  - active lanes (32 in a full warp without divergence).
// Per launch it also counts barriers and the distinct sectors touched: what DRAM would move if
// the launch's working set stayed in L2 (true of every GAN layer on an H100's 50 MB).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>


namespace ganforge::simt {

enum class MemorySpace : uint8_t { Global, Shared };

// A grid's or block's extent (dim3 without the CUDA headers, so any file may include this one).
struct Dims {
  unsigned x = 1, y = 1, z = 1;
};

// What the requests of one access site added up to.
struct AccessCounts {
  uint64_t requests = 0;          // warp-level requests
  uint64_t active_lanes = 0;      // summed over requests
  uint64_t bytes_requested = 0;   // what the lanes asked for
  uint64_t sectors = 0;           // global: 32-byte sectors touched
  uint64_t ideal_sectors = 0;     // global: the fewest sectors holding the distinct bytes asked for
  uint64_t wavefronts = 0;        // shared: passes through the banks
  uint64_t ideal_wavefronts = 0;  // shared: the fewest passes for the distinct bytes (128 per pass)
  AccessCounts& operator+=(const AccessCounts& o);
};

// One load or store instruction of a kernel (an inlined helper's access is its own site), or
// in a report, every instruction of one source line.
struct AccessSite : AccessCounts {
  std::string file;  // source file and line of the access (innermost inlined function)
  int line = 0;
  MemorySpace space = MemorySpace::Global;
  bool store = false;
};

// A kernel, with one launch configuration and launch site; its counters summed over launches.
struct KernelProfile {
  std::string name;         // the kernel function, without namespace
  std::string launched_at;  // file:line of the launch() call
  Dims block;
  size_t dynamic_shared_bytes = 0;
  uint64_t launches = 0, blocks = 0, threads = 0;
  uint64_t barriers = 0;          // __syncthreads passed, per block
  uint64_t global_bytes = 0;      // sectors x 32: traffic between the SMs and L2
  uint64_t unique_global_bytes = 0;  // distinct sectors per launch x 32, summed: DRAM with an ideal L2
  std::vector<AccessSite> sites;  // by file and line
};

// One launch, in order, for a caller that attributes launches to the work that made them.
struct LaunchProfile {
  size_t kernel = 0;  // index into profile_kernels()
  Dims grid;
  uint64_t global_bytes = 0, unique_global_bytes = 0, shared_wavefronts = 0;
};

// Whether this build's kernels report their accesses (g++ builds without a sanitizer: there
// -fsanitize=address owns the same hooks); without it the counters stay empty.
bool profile_instrumented();
// Starts and stops counting launches (on every OS thread), adding to what was counted until
// profile_clear().
void profile_start();
void profile_stop();
void profile_clear();
bool profile_running();
// What was counted, with source lines resolved (by addr2line from
// binutils; "?" and line 0 where it is missing or the build has no line tables).
std::vector<KernelProfile> profile_kernels();
std::vector<LaunchProfile> profile_launches();
// The launches' sums so far, cheap to take around a piece of work to see what it launched.
struct ProfileTotals {
  uint64_t launches = 0, global_bytes = 0, unique_global_bytes = 0, shared_wavefronts = 0;
};
ProfileTotals profile_totals();
// The kernels and their sites as a text table, worst sectors per request first.
std::string profile_report();

// ---- Between the profiler and the emulator's runtime (kernels/simt/runtime.cpp) ----
// The runtime's device allocations as (start, bytes), sorted by start.
std::vector<std::pair<uintptr_t, size_t>> device_allocations();
// Called by the runtime:
void profile_launch_begin(const void* kernel, const char* launched_file, int launched_line, Dims grid, Dims block,
                          const void* dynamic_shared, size_t dynamic_shared_bytes);
void profile_block_begin();
void profile_thread_resumed(unsigned linear_thread);
void profile_barrier();  // every thread of the block is at one barrier
void profile_block_end();
void profile_launch_end();
// An access the runtime makes for the calling lane inside an instruction's twin (cp.async's
// global read and shared write, ldmatrix's row read): counted as the kernel's own, at the
// instruction's call site. The kernels' own accesses come through the sanitizer hooks instead.
void profile_twin_access(const void* address, size_t bytes, bool store, const char* file, int line);

}  // namespace ganforge::simt
