// Shapes and the arithmetic on them: element counts, contiguous strides, broadcasting.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ganforge {

using Shape = std::vector<int64_t>;

// The most dims a tensor may have (what the kernels' descriptors hold).
constexpr int kMaxTensorDims = 8;

int64_t shape_numel(const Shape& shape);
Shape contiguous_strides(const Shape& shape);
std::string shape_str(const Shape& shape);  // "[2, 3]"
// NumPy broadcasting: align from the right; sizes must match or one of them be 1.
// Throws naming `op` and both shapes when they cannot be broadcast.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);
// Wraps a possibly negative dim into [0, ndim); throws naming `op` when out of range.
int wrap_dim(int dim, int ndim, const char* op);

}  // namespace ganforge
