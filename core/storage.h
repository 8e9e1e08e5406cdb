// A block of device memory shared by every view of it, with the version counter that lets
// autograd detect in-place changes to tensors it saved for backward.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "kernels/dtype.h"

namespace ganforge {
namespace kernels {
class Backend;
}

class Storage {
 public:
  // Allocates `bytes` with `allocator`, which also frees it.
  Storage(size_t bytes, Device device, kernels::Backend& allocator);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t bytes() const { return bytes_; }
  Device device() const { return device_; }
  uint64_t version() const { return version_; }
  void bump_version() { ++version_; }

 private:
  void* data_;
  size_t bytes_;
  Device device_;
  kernels::Backend& allocator_;
  uint64_t version_ = 0;
};

// Bytes of host memory this process can still take without the kernel's OOM killer ending it:
// MemAvailable (/proc/meminfo), or the room left under the cgroup's memory limit if less,
// plus the freed blocks the host cache holds for reuse. SIZE_MAX when neither can be read.
size_t available_host_memory();
// A byte count for messages: "12.0 MiB", "1.5 GiB".
std::string bytes_text(double bytes);

}  // namespace ganforge
