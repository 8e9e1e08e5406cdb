#include "core/shape.h"

#include <stdexcept>

namespace ganforge {

int64_t shape_numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

Shape contiguous_strides(const Shape& shape) {
  Shape strides(shape.size());
  int64_t stride = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= shape[i] > 0 ? shape[i] : 1;
  }
  return strides;
}

std::string shape_str(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (da != db && da != 1 && db != 1)
      throw std::invalid_argument(std::string(op) + ": shapes " + shape_str(a) + " and " + shape_str(b) +
                                  " cannot be broadcast (dim " + std::to_string(i) + ": " + std::to_string(da) +
                                  " vs " + std::to_string(db) + ")");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

int wrap_dim(int dim, int ndim, const char* op) {
  if (ndim == 0)
    throw std::out_of_range(std::string(op) + ": dim " + std::to_string(dim) + " given for a 0-d tensor, which has no dims");
  if (dim < -ndim || dim >= ndim)
    throw std::out_of_range(std::string(op) + ": dim " + std::to_string(dim) + " out of range for a " +
                            std::to_string(ndim) + "-d tensor (expected " + std::to_string(-ndim) + ".." +
                            std::to_string(ndim - 1) + ")");
  return dim < 0 ? dim + ndim : dim;
}

}  // namespace ganforge
