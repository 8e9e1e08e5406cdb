// A Backend that runs another one and counts each primitive call: calls, time, bytes and
// flops, per primitive and, for a primitive that takes an op, per op ("unary.tanh"). Its
// overrides are generated from kernels/primitives.h, so it forwards every primitive there is.
//
// Only the calls of threads that record (count_primitives_on_this_thread) are counted; other
// threads pass straight through, so a data loader's work is not mixed into a training step's.
// Time is the host clock around the call. A GPU backend's calls return before the kernel ends,
// so around each call of a backend whose device is not the host this synchronizes first and
// last: the times are right, and the run is slower than it would be unprofiled.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "kernels/backend.h"

namespace ganforge::kernels {

struct PrimitiveTotals {
  int64_t calls = 0;
  double seconds = 0;
  double bytes = 0;  // each operand's distinct elements (a broadcast one counts once), read or written
  double flops = 0;  // where the arithmetic is well defined (gemm, the conv2d passes; kernels/flops.h), else 0
  // What the SIMT emulator's memory profiler counted (kernels/simt/profile.h): on cuda-sim while
  // it runs, else 0. Kernel launches, 32-byte sectors moved between SMs and L2, distinct sectors.
  double launches = 0, l2_bytes = 0, dram_bytes = 0;
};

// What one thread's calls added up to, with one slot per primitive and op.
class PrimitiveCounts {
 public:
  PrimitiveCounts();
  void add(size_t slot, const PrimitiveTotals& call);
  // The slots that were called, as ("gemm" or "unary.tanh", totals), in the table's order.
  std::vector<std::pair<std::string, PrimitiveTotals>> called() const;

 private:
  std::vector<PrimitiveTotals> slots_;
};

// From now on the profiling backends count this thread's calls into `counts`; nullptr stops.
void count_primitives_on_this_thread(PrimitiveCounts* counts);

class ProfilingBackend final : public Backend {
 public:
  explicit ProfilingBackend(Backend& inner) : inner_(inner) {}

  const char* name() const override { return inner_.name(); }
  DeviceType device_type() const override { return inner_.device_type(); }
  bool available() const override { return inner_.available(); }
  void check_math(MathMode math) const override { inner_.check_math(math); }
  bool follows_math() const override { return inner_.follows_math(); }
  void* allocate(size_t bytes) override { return inner_.allocate(bytes); }
  void deallocate(void* ptr) override { inner_.deallocate(ptr); }
  void copy_from_host(void* dst, const void* src, size_t bytes) override { inner_.copy_from_host(dst, src, bytes); }
  void copy_to_host(void* dst, const void* src, size_t bytes) override { inner_.copy_to_host(dst, src, bytes); }
  void synchronize() override { inner_.synchronize(); }

  GANFORGE_PRIMITIVES(GANFORGE_DECLARE_OVERRIDE)
  GANFORGE_COMPOSED_PRIMITIVES(GANFORGE_DECLARE_OVERRIDE)
  GANFORGE_FUSED_PRIMITIVES(GANFORGE_DECLARE_OVERRIDE)

 private:
  Backend& inner_;
};

// The one ProfilingBackend of `inner`, made on first use and never destroyed: a Storage keeps
// the backend that allocated it, to free it, however long it outlives a profile.
ProfilingBackend& profiling_backend(Backend& inner);

}  // namespace ganforge::kernels
