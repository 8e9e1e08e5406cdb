// Scratch memory each thread keeps between calls. A convolution's column buffers and
// partial weight gradients are megabytes: allocated per call, glibc handed them back to the
// kernel and faulted them in again, zeroed, on the next call (page faults, memset and the
// copy of a partial sum were ~15% of DCGAN-64 D4's weight-gradient pass under perf).
#pragma once

#include <cstddef>
#include <cstdint>

namespace ganforge::kernels::cpu {

// One buffer per slot and thread, so a routine that needs two buffers at once uses two slots.
// kRoundedFirst / kRoundedSecond hold a convolution's or GEMM's operands rounded for the math
// mode (operand_rounding.h) while the routine runs on them.
enum class WorkspaceSlot { kColumns, kPartialSum, kPackedA, kPackedB, kPackedWeight, kRoundedFirst, kRoundedSecond, kCount };

// At least `bytes` bytes, 64-byte aligned, contents unspecified; valid until this thread next
// asks for the same slot.
void* thread_workspace_bytes(WorkspaceSlot slot, size_t bytes);

template <class T>
T* thread_workspace(WorkspaceSlot slot, int64_t elements) {
  return static_cast<T*>(thread_workspace_bytes(slot, static_cast<size_t>(elements) * sizeof(T)));
}

}  // namespace ganforge::kernels::cpu
