// Printing in the style of PyTorch: nested brackets, one format for all elements, long dims
// summarised with "...".
#include <cmath>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "core/autograd.h"
#include "core/tensor.h"

namespace ganforge {
namespace {

constexpr int64_t kSummariseAbove = 1000;  // elements
constexpr int64_t kEdgeItems = 3;

struct Format {
  bool integral = true;     // every value is a whole number: print "3."
  bool scientific = false;  // values span too many magnitudes for fixed notation
};

Format choose_format(const std::vector<double>& values) {
  Format f;
  double largest = 0, smallest = INFINITY;
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    if (v != std::trunc(v)) f.integral = false;
    double a = std::fabs(v);
    largest = std::max(largest, a);
    if (a > 0) smallest = std::min(smallest, a);
  }
  f.scientific = largest >= 1e8 || (!f.integral && smallest < 1e-4) || (largest / smallest > 1e5 && !f.integral);
  return f;
}

std::string format_value(double v, const Format& f) {
  std::ostringstream s;
  if (std::isnan(v)) {
    s << "nan";
  } else if (std::isinf(v)) {
    s << (v > 0 ? "inf" : "-inf");
  } else if (f.scientific) {
    s << std::scientific << std::setprecision(4) << v;
  } else if (f.integral) {
    s << static_cast<int64_t>(v) << ".";
  } else {
    s << std::fixed << std::setprecision(4) << v;
  }
  return s.str();
}

void print_dim(std::ostream& os, const std::vector<std::string>& values, const Shape& shape, const Shape& strides, int dim,
               int64_t base, bool summarise, int indent) {
  if (shape.empty()) {
    os << values[base];
    return;
  }
  os << "[";
  const int64_t size = shape[dim];
  const bool last = dim + 1 == static_cast<int>(shape.size());
  for (int64_t i = 0; i < size; ++i) {
    if (summarise && size > 2 * kEdgeItems && i == kEdgeItems) {
      os << (last ? "..., " : "...,\n" + std::string(indent + 1, ' '));
      i = size - kEdgeItems - 1;
      continue;
    }
    if (last)
      os << values[base + i * strides[dim]];
    else
      print_dim(os, values, shape, strides, dim + 1, base + i * strides[dim], summarise, indent + 1);
    if (i + 1 < size) os << (last ? ", " : ",\n" + std::string(indent + 1, ' '));
  }
  os << "]";
}

}  // namespace

std::string Tensor::to_string() const {
  std::ostringstream os;
  os << *this;
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) {
  if (!t.defined()) return os << "tensor(undefined)";
  // Every element as text, in row-major order; i64 values are read as integers, exactly.
  std::vector<std::string> values;
  if (t.dtype() == DType::I64) {
    for (int64_t v : t.detach().to_vector<int64_t>()) values.push_back(std::to_string(v));
  } else {
    std::vector<double> numbers = t.detach().to_vector<double>();
    Format f = choose_format(numbers);
    for (double v : numbers) values.push_back(format_value(v, f));
  }
  os << "tensor(";
  if (t.numel() == 0 && t.dim() > 0)
    os << "[]";
  else
    print_dim(os, values, t.shape(), contiguous_strides(t.shape()), 0, 0, t.numel() > kSummariseAbove, 7);
  if (t.numel() == 0 || t.numel() > kSummariseAbove) os << ", shape=" << shape_str(t.shape());
  os << ", dtype=" << dtype_name(t.dtype());
  if (!(t.device() == Device{})) os << ", device=" << device_name(t.device());
  if (t.grad_fn()) os << ", grad_fn=" << t.grad_fn()->name();
  else if (t.requires_grad()) os << ", requires_grad";
  return os << ")";
}

}  // namespace ganforge
