#include "core/storage.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>

#include "kernels/backend.h"
#include "kernels/host_backend.h"

namespace ganforge {
namespace {

// The number in `path` (a cgroup file); SIZE_MAX when it is absent or not a number ("max": no limit).
size_t read_bytes(const std::string& path) {
  std::ifstream in(path);
  unsigned long long value = 0;
  return in >> value ? static_cast<size_t>(value) : SIZE_MAX;
}

// The room left under the memory limit of this process's cgroup (v2, then v1), as seen from
// inside a container (where the cgroup is mounted at the root) or outside it.
size_t cgroup_room() {
  std::ifstream self("/proc/self/cgroup");
  std::string line, v2, v1;
  while (std::getline(self, line)) {
    if (line.rfind("0::", 0) == 0) v2 = line.substr(3);
    const size_t memory = line.find(":memory:");
    if (memory != std::string::npos) v1 = line.substr(memory + 8);
  }
  const std::string candidates[][2] = {{"/sys/fs/cgroup" + v2 + "/memory.max", "/sys/fs/cgroup" + v2 + "/memory.current"},
                                       {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"},
                                       {"/sys/fs/cgroup/memory" + v1 + "/memory.limit_in_bytes",
                                        "/sys/fs/cgroup/memory" + v1 + "/memory.usage_in_bytes"},
                                       {"/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"}};
  for (const auto& [limit_file, usage_file] : candidates) {
    const size_t limit = read_bytes(limit_file), usage = read_bytes(usage_file);
    if (limit != SIZE_MAX && usage != SIZE_MAX) return limit > usage ? limit - usage : 0;
  }
  return SIZE_MAX;
}

}  // namespace

size_t available_host_memory() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  size_t available = SIZE_MAX;
  for (unsigned long long kib; meminfo >> key >> kib; meminfo.ignore(64, '\n'))
    if (key == "MemAvailable:") available = static_cast<size_t>(kib) * 1024;
  // blocks the host cache keeps for reuse count as available: they serve allocations first
  const size_t room = std::min(available, cgroup_room());
  return room == SIZE_MAX ? room : room + kernels::cached_host_memory();
}

Storage::Storage(size_t bytes, Device device, kernels::Backend& allocator)
    : data_(allocator.allocate(bytes)), bytes_(bytes), device_(device), allocator_(allocator) {}

Storage::~Storage() { allocator_.deallocate(data_); }

std::string bytes_text(double bytes) {
  char text[32];
  if (bytes >= 1 << 30)
    std::snprintf(text, sizeof text, "%.1f GiB", bytes / (1 << 30));
  else
    std::snprintf(text, sizeof text, "%.1f MiB", bytes / (1 << 20));
  return text;
}

}  // namespace ganforge
