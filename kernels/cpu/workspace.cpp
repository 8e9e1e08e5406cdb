#include "kernels/cpu/workspace.h"

#include <array>
#include <memory>
#include <new>

namespace ganforge::kernels::cpu {
namespace {

constexpr std::align_val_t kAlignment{64};

struct AlignedDelete {
  void operator()(std::byte* p) const { ::operator delete[](p, kAlignment); }
};

struct Buffer {
  std::unique_ptr<std::byte[], AlignedDelete> data;
  size_t bytes = 0;
};

}  // namespace

void* thread_workspace_bytes(WorkspaceSlot slot, size_t bytes) {
  thread_local std::array<Buffer, static_cast<size_t>(WorkspaceSlot::kCount)> buffers;
  Buffer& buffer = buffers[static_cast<size_t>(slot)];
  if (buffer.bytes < bytes) {
    buffer.data.reset();  // free first: the old contents are not kept
    buffer.data.reset(static_cast<std::byte*>(::operator new[](bytes, kAlignment)));
    buffer.bytes = bytes;
  }
  return buffer.data.get();
}

}  // namespace ganforge::kernels::cpu
