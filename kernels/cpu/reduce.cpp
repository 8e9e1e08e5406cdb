// cpu reductions. Sums accumulate in double (int64 for integers): the loops are memory
// bound, so the wider accumulator costs nothing measurable and removes the error growth
// of a long float sum.
//
// Two walks: the general one gives each output element its slice of the input (parallel
// over outputs); the column walk handles "reduce the leading dims of a row-major block"
// (bias gradients, batch means), adding whole contiguous rows into a vector of sums.
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/cpu/cpu_backend.h"
#include "kernels/cpu/lanes.h"
#include "kernels/cpu/map.h"

namespace ganforge::kernels {

namespace {

template <class T>
using Accumulator = std::conditional_t<std::is_integral_v<T>, int64_t, double>;

template <class T>
bool is_nan(T v) {
  return v != v;
}

bool is_reduced(const TensorDesc& out, const TensorDesc& in, int d) { return out.shape[d] == 1 && in.shape[d] != 1; }

// The input restricted to the reduced dims (kept dims get extent 1), based at element 0.
TensorDesc reduced_dims(const TensorDesc& in, const TensorDesc& out) {
  TensorDesc slice = in;
  for (int d = 0; d < in.ndim; ++d)
    if (!is_reduced(out, in, d)) slice.shape[d] = 1;
  return slice;
}

// Offset in `in` of the slice reducing into output element `flat` (row-major over out).
int64_t slice_base(const TensorDesc& in, const TensorDesc& out, int64_t flat) {
  int64_t offset = 0;
  for (int d = out.ndim - 1; d >= 0; --d) {
    int64_t i = flat % out.shape[d];
    flat /= out.shape[d];
    if (!is_reduced(out, in, d)) offset += i * in.strides[d];
  }
  return offset;
}

int64_t out_offset(const TensorDesc& out, int64_t flat) {
  int64_t offset = 0;
  for (int d = out.ndim - 1; d >= 0; --d) {
    offset += (flat % out.shape[d]) * out.strides[d];
    flat /= out.shape[d];
  }
  return offset;
}

// Sum of n elements `stride` apart (unit-stride runs take the vectorised lane sum).
template <class T>
Accumulator<T> sum_run(const T* p, int64_t n, int64_t stride) {
  using Acc = Accumulator<T>;
  if (stride == 1) return cpu::sum_contiguous<Acc>(p, n);
  Acc sum = 0;
  for (int64_t k = 0; k < n; ++k) sum += static_cast<Acc>(p[k * stride]);
  return sum;
}

template <class T>
void reduce_general(ReduceOp op, const TensorDesc& out, const TensorDesc& in, ReduceParams p) {
  using Acc = Accumulator<T>;
  const TensorDesc slice = reduced_dims(in, out);
  const StridedLoop<1> walk({&slice});
  const int64_t count = slice.numel(), outputs = out.numel();
  const T* x = typed<const T>(in);
  const bool index_out = op == ReduceOp::ArgMax || op == ReduceOp::ArgMin;

  cpu::parallel_for(outputs, count, [&](int64_t begin, int64_t end) {
    for (int64_t o = begin; o < end; ++o) {
      const T* base = x + slice_base(in, out, o);
      double result = 0;
      int64_t int_result = 0;
      switch (op) {
        case ReduceOp::Sum:
        case ReduceOp::Mean:
        case ReduceOp::Var: {
          Acc sum = 0;
          walk.for_elements(0, count, [&](const auto& off, int64_t n) { sum += sum_run<T>(base + off[0], n, walk.inner_stride(0)); });
          int_result = static_cast<int64_t>(sum);
          result = static_cast<double>(sum);
          if (op == ReduceOp::Mean) result /= static_cast<double>(count);
          if (op == ReduceOp::Var) {  // second pass around the mean: no cancellation
            const double mean = result / static_cast<double>(count);
            double squares = 0;
            walk.for_elements(0, count, [&](const auto& off, int64_t n) {
              const int64_t s = walk.inner_stride(0);
              for (int64_t k = 0; k < n; ++k) {
                double d = static_cast<double>(base[off[0] + k * s]) - mean;
                squares += d * d;
              }
            });
            const double dof = static_cast<double>(count - p.correction);
            result = dof > 0 ? squares / dof : std::numeric_limits<double>::quiet_NaN();
          }
          break;
        }
        default: {  // max, min, argmax, argmin; NaN propagates and wins the index
          const bool want_max = op == ReduceOp::Max || op == ReduceOp::ArgMax;
          T best = base[0];
          int64_t best_index = 0, position = 0;
          walk.for_elements(0, count, [&](const auto& off, int64_t n) {
            const int64_t s = walk.inner_stride(0);
            for (int64_t k = 0; k < n; ++k, ++position) {
              T v = base[off[0] + k * s];
              if (!is_nan(best) && (is_nan(v) || (want_max ? v > best : v < best))) {
                best = v;
                best_index = position;
              }
            }
          });
          result = static_cast<double>(best);
          int_result = index_out ? best_index : static_cast<int64_t>(best);
          break;
        }
      }
      const int64_t at = out_offset(out, o);
      if (out.dtype == DType::I64)
        typed<int64_t>(out)[at] = int_result;
      else if (out.dtype == DType::F32)
        typed<float>(out)[at] = static_cast<float>(result);
      else
        typed<double>(out)[at] = result;
    }
  });
}

// True when the kept dims form a contiguous block at the end of `in` and `out` is
// contiguous, i.e. in is [R, K] row-major with the R rows reduced.
bool is_column_reduction(const TensorDesc& out, const TensorDesc& in) {
  if (!out.is_contiguous()) return false;
  int64_t expected = 1;
  bool seen_reduced = false;
  for (int d = in.ndim - 1; d >= 0; --d) {
    if (in.shape[d] == 1) continue;
    if (is_reduced(out, in, d)) {
      seen_reduced = true;
    } else {
      if (seen_reduced || in.strides[d] != expected) return false;
      expected *= in.shape[d];
    }
  }
  return seen_reduced && expected > 1;
}

template <class T>
void reduce_columns(ReduceOp op, const TensorDesc& out, const TensorDesc& in) {
  const TensorDesc rows = reduced_dims(in, out);
  const StridedLoop<1> walk({&rows});
  const int64_t count = rows.numel(), columns = out.numel();
  const T* x = typed<const T>(in);
  T* o = typed<T>(out);
  cpu::parallel_for(columns, count, [&](int64_t begin, int64_t end) {
    std::vector<double> sums(static_cast<size_t>(end - begin), 0.0);
    walk.for_elements(0, count, [&](const auto& off, int64_t n) {
      for (int64_t k = 0; k < n; ++k) {
        const T* row = x + off[0] + k * walk.inner_stride(0) + begin;
        for (int64_t j = 0; j < end - begin; ++j) sums[j] += static_cast<double>(row[j]);
      }
    });
    const double scale = op == ReduceOp::Mean ? 1.0 / static_cast<double>(count) : 1.0;
    for (int64_t j = begin; j < end; ++j) o[j] = static_cast<T>(sums[j - begin] * scale);
  });
}

}  // namespace

void CpuBackend::reduce(ReduceOp op, const TensorDesc& out, const TensorDesc& in, ReduceParams p) {
  bool column_path = (op == ReduceOp::Sum || op == ReduceOp::Mean) && is_floating(in.dtype) &&
                     in.dtype == out.dtype && is_column_reduction(out, in);
  dispatch_dtype(in.dtype, [&](auto type) {
    using T = decltype(type);
    if constexpr (std::is_floating_point_v<T>) {
      if (column_path) return reduce_columns<T>(op, out, in);
    }
    reduce_general<T>(op, out, in, p);
  });
}

}  // namespace ganforge::kernels
