#include "core/storage.h"

#include "kernels/backend.h"

namespace ganforge {

Storage::Storage(size_t bytes, Device device, kernels::Backend& allocator)
    : data_(allocator.allocate(bytes)), bytes_(bytes), device_(device), allocator_(allocator) {}

Storage::~Storage() { allocator_.deallocate(data_); }

}  // namespace ganforge
