#include "tests/kernels/consistency_harness.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>

#include "kernels/registry.h"

namespace ganforge::testing {
namespace {

constexpr int64_t kGuard = 16;            // sentinel elements before and after every operand
constexpr double kSentinel = -987654.25;  // exact in f32, f64 and i64

// Where an operand's elements sit inside its buffer.
struct Placement {
  Shape strides;
  int64_t span = 0;  // elements from the first to one past the last addressable one
};

Placement place(const Operand& op) {
  Placement p;
  const int n = static_cast<int>(op.shape.size());
  p.strides = contiguous_strides(op.shape);
  switch (op.layout) {
    case Layout::Contiguous: break;
    case Layout::Transposed:
      if (n >= 2) {
        Shape stored = op.shape;
        std::swap(stored[n - 1], stored[n - 2]);
        Shape s = contiguous_strides(stored);
        std::swap(s[n - 1], s[n - 2]);
        p.strides = s;
      }
      break;
    case Layout::Strided:
      for (int64_t& s : p.strides) s *= 2;
      break;
    case Layout::Broadcast:
      for (int d = 0; d < n; ++d)
        if (op.shape[d] > 1) {
          Shape reduced = op.shape;
          reduced[d] = 1;
          p.strides = contiguous_strides(reduced);
          p.strides[d] = 0;
          break;
        }
      break;
  }
  if (shape_numel(op.shape) > 0) {
    int64_t last = 0;
    for (int d = 0; d < n; ++d) last += (op.shape[d] - 1) * p.strides[d];
    p.span = last + 1;
  }
  return p;
}

// Calls f(logical_index, physical_offset) for every element.
template <class F>
void for_each_element(const Operand& op, const Placement& p, F&& f) {
  const int64_t count = shape_numel(op.shape);
  const int n = static_cast<int>(op.shape.size());
  for (int64_t flat = 0; flat < count; ++flat) {
    int64_t rest = flat, offset = 0;
    for (int d = n - 1; d >= 0; --d) {
      offset += (rest % op.shape[d]) * p.strides[d];
      rest /= op.shape[d];
    }
    f(flat, offset);
  }
}

double special_value(std::mt19937_64& rng) {
  static const double values[] = {-1e4, 1e4, -INFINITY, INFINITY, std::numeric_limits<double>::quiet_NaN(), 0.0, 1.5, -2.5, 0.25};
  return values[rng() % (sizeof(values) / sizeof(values[0]))];
}

double random_value(const Operand& op, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  switch (op.fill) {
    case Fill::Uniform: return op.dtype == DType::I64 ? static_cast<double>(static_cast<int64_t>(rng() % 9) - 4) : unit(rng);
    case Fill::Positive: return 0.5 + 0.75 * (unit(rng) + 1.0);
    case Fill::Integer: return static_cast<double>(static_cast<int64_t>(rng() % 9) - 4);
    case Fill::Index: return static_cast<double>(rng() % static_cast<uint64_t>(op.bound));
    case Fill::Special: return op.dtype == DType::I64 ? static_cast<double>(static_cast<int64_t>(rng() % 9) - 4) : special_value(rng);
  }
  return 0;
}

std::vector<char> encode(const std::vector<double>& values, DType dtype);
std::vector<double> decode(const std::vector<char>& bytes, DType dtype);

// Host image of every operand's buffer (guards included), in double.
struct HostData {
  std::vector<Placement> placements;
  std::vector<std::vector<double>> buffers;
};

HostData generate(const Case& c) {
  HostData data;
  std::mt19937_64 rng(std::hash<std::string>{}(c.primitive + "|" + c.label));
  for (const Operand& op : c.operands) {
    Placement p = place(op);
    std::vector<double> buffer(static_cast<size_t>(p.span + 2 * kGuard), kSentinel);
    if (op.role != Role::Output)
      for_each_element(op, p, [&](int64_t, int64_t offset) { buffer[kGuard + offset] = random_value(op, rng); });
    buffer = decode(encode(buffer, op.dtype), op.dtype);  // what the device will really hold
    data.placements.push_back(std::move(p));
    data.buffers.push_back(std::move(buffer));
  }
  return data;
}

std::vector<char> encode(const std::vector<double>& values, DType dtype) {
  std::vector<char> bytes(values.size() * dtype_size(dtype));
  for (size_t i = 0; i < values.size(); ++i) {
    if (dtype == DType::F32) {
      float v = static_cast<float>(values[i]);
      std::memcpy(bytes.data() + 4 * i, &v, 4);
    } else if (dtype == DType::F64) {
      std::memcpy(bytes.data() + 8 * i, &values[i], 8);
    } else {
      int64_t v = static_cast<int64_t>(values[i]);
      std::memcpy(bytes.data() + 8 * i, &v, 8);
    }
  }
  return bytes;
}

std::vector<double> decode(const std::vector<char>& bytes, DType dtype) {
  std::vector<double> values(bytes.size() / dtype_size(dtype));
  for (size_t i = 0; i < values.size(); ++i) {
    if (dtype == DType::F32) {
      float v;
      std::memcpy(&v, bytes.data() + 4 * i, 4);
      values[i] = v;
    } else if (dtype == DType::F64) {
      std::memcpy(&values[i], bytes.data() + 8 * i, 8);
    } else {
      int64_t v;
      std::memcpy(&v, bytes.data() + 8 * i, 8);
      values[i] = static_cast<double>(v);
    }
  }
  return values;
}

// Uploads the buffers, runs the case, downloads every buffer again.
// Device buffers of one case, freed however the case ends (a primitive may throw).
struct DeviceBuffers {
  kernels::Backend& backend;
  std::vector<void*> pointers;
  ~DeviceBuffers() {
    for (void* p : pointers)
      if (p != nullptr) backend.deallocate(p);
  }
};

std::vector<std::vector<double>> execute(const Case& c, kernels::Backend& backend, const HostData& data) {
  DeviceBuffers buffers{backend, std::vector<void*>(c.operands.size(), nullptr)};
  std::vector<void*>& device = buffers.pointers;
  Descs descs(c.operands.size());
  for (size_t i = 0; i < c.operands.size(); ++i) {
    const Operand& op = c.operands[i];
    std::vector<char> bytes = encode(data.buffers[i], op.dtype);
    device[i] = backend.allocate(bytes.size());
    backend.copy_from_host(device[i], bytes.data(), bytes.size());
    kernels::TensorDesc& d = descs[i];
    d.data = static_cast<char*>(device[i]) + kGuard * static_cast<int64_t>(dtype_size(op.dtype));
    d.dtype = op.dtype;
    d.ndim = static_cast<int>(op.shape.size());
    for (int k = 0; k < d.ndim; ++k) {
      d.shape[k] = op.shape[k];
      d.strides[k] = data.placements[i].strides[k];
    }
  }
  c.run(backend, descs);
  backend.synchronize();
  std::vector<std::vector<double>> result;
  for (size_t i = 0; i < c.operands.size(); ++i) {
    std::vector<char> bytes(data.buffers[i].size() * dtype_size(c.operands[i].dtype));
    backend.copy_to_host(bytes.data(), device[i], bytes.size());
    result.push_back(decode(bytes, c.operands[i].dtype));
  }
  return result;
}

double unit_roundoff(DType dtype) { return dtype == DType::F32 ? 0x1p-24 : (dtype == DType::F64 ? 0x1p-53 : 0.0); }

bool same_value(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

}  // namespace

std::string describe_shape(const Shape& shape, DType dtype, Layout layout) {
  static const char* layouts[] = {"", " transposed", " strided", " broadcast"};
  return shape_str(shape) + " " + dtype_name(dtype) + layouts[static_cast<int>(layout)];
}

Outcome check_case(const Case& c, kernels::Backend& backend, kernels::MathMode math) {
  Outcome outcome;
  std::ostringstream why;
  try {
    const HostData data = generate(c);
    const auto actual = [&] {  // first: a primitive it lacks costs no reference run
      const kernels::MathGuard mode(math);
      return execute(c, backend, data);
    }();
    const auto expected = execute(c, kernels::reference_backend(), data);
    std::vector<std::vector<double>> magnitude;
    if (c.bound_by_absolute_inputs) {
      HostData absolute = data;
      for (size_t i = 0; i < c.operands.size(); ++i)
        if (c.operands[i].role != Role::Output && c.operands[i].fill != Fill::Index)
          for (double& v : absolute.buffers[i]) v = v == kSentinel ? v : std::fabs(v);
      magnitude = execute(c, kernels::reference_backend(), absolute);
    }
    std::vector<std::vector<double>> terms;  // c.terms_magnitude's, per operand in row-major order
    if (c.terms_magnitude) {
      std::vector<std::vector<double>> values(c.operands.size());
      for (size_t i = 0; i < c.operands.size(); ++i) {
        const std::vector<double>& source = c.operands[i].role == Role::Output ? expected[i] : data.buffers[i];
        for_each_element(c.operands[i], data.placements[i], [&](int64_t, int64_t offset) { values[i].push_back(source[kGuard + offset]); });
      }
      terms = c.terms_magnitude(values);
    }

    for (size_t i = 0; i < c.operands.size(); ++i) {
      const Operand& op = c.operands[i];
      const Placement& p = data.placements[i];
      // Everything outside the elements must still hold what was uploaded (guards, gaps,
      // and for inputs, the elements too).
      std::vector<bool> is_element(data.buffers[i].size(), false);
      if (op.role != Role::Input)
        for_each_element(op, p, [&](int64_t, int64_t offset) { is_element[kGuard + offset] = true; });
      for (size_t k = 0; k < is_element.size(); ++k)
        if (!is_element[k] && !same_value(actual[i][k], data.buffers[i][k])) {
          why << "operand " << i << " was written outside its elements (buffer slot " << k << " holds "
              << actual[i][k] << ", expected " << data.buffers[i][k] << ")";
          return {false, why.str()};
        }
      if (op.role == Role::Input) continue;
      const double u = unit_roundoff(op.dtype);
      const double v = c.follows_math && op.dtype == DType::F32 ? kernels::math_unit_roundoff(math) : 0;
      bool failed = false;
      for_each_element(op, p, [&](int64_t flat, int64_t offset) {
        if (failed) return;
        const double got = actual[i][kGuard + offset], want = expected[i][kGuard + offset];
        if (same_value(got, want)) return;
        double tolerance = 0;
        if (!c.exact && op.dtype != DType::I64 && std::isfinite(want)) {
          double m = c.bound_by_absolute_inputs ? std::fabs(magnitude[i][kGuard + offset]) : std::fabs(want);
          if (i < terms.size() && !terms[i].empty()) m = terms[i][flat];
          if (v > u)
            tolerance = ((c.ulps + 2.0 * static_cast<double>(c.reduction_length)) * u * (1 + v) * (1 + v) + 2 * v + v * v) * m;
          else
            tolerance = (c.ulps + 2.0 * static_cast<double>(c.reduction_length)) * u * m;
        }
        if (!(std::fabs(got - want) <= tolerance)) {
          why.precision(17);
          why << "output " << i << " element " << flat << ": got " << got << ", reference " << want
              << ", tolerance " << tolerance;
          failed = true;
        }
      });
      if (failed) return {false, why.str()};
    }
  } catch (const std::exception& e) {
    return {false, std::string("exception: ") + e.what()};
  }
  return outcome;
}

}  // namespace ganforge::testing
