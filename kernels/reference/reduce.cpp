// Reference reductions: for every output element, walk the slice of the input it reduces.
#include <cmath>
#include <limits>

#include "kernels/reference/element_access.h"
#include "kernels/reference/reference_backend.h"

namespace ganforge::kernels {
namespace {

using namespace reference;  // element_access.h

// The part of `in` that reduces into the output element at out_index: the reduced dims
// keep their extent, the others are pinned to out_index.
TensorDesc reduced_slice(const TensorDesc& in, const TensorDesc& out, const int64_t* out_index) {
  TensorDesc slice = in;
  int64_t start[kMaxDims] = {};
  for (int d = 0; d < in.ndim; ++d) {
    bool reduced = out.shape[d] == 1;
    start[d] = reduced ? 0 : out_index[d];
    slice.shape[d] = reduced ? in.shape[d] : 1;
  }
  slice.data = static_cast<char*>(in.data) + offset_of(in, start) * static_cast<int64_t>(dtype_size(in.dtype));
  return slice;
}

template <class T>
bool is_nan(T v) {
  return v != v;
}

// Max/min/argmax/argmin over a slice; NaN wins (it propagates, as in PyTorch).
template <class T, class Load>
void extreme(const TensorDesc& slice, bool want_max, Load load_value, T* best, int64_t* best_index) {
  int64_t n = 0;
  for_each_index(slice, [&](const int64_t* i) {
    T v = load_value(slice, i);
    bool better = n == 0 || (!is_nan(*best) && (is_nan(v) || (want_max ? v > *best : v < *best)));
    if (better) {
      *best = v;
      *best_index = n;
    }
    ++n;
  });
}

}  // namespace

void ReferenceBackend::reduce(ReduceOp op, const TensorDesc& out, const TensorDesc& in, ReduceParams p) {
  for_each_index(out, [&](const int64_t* oi) {
    TensorDesc slice = reduced_slice(in, out, oi);
    int64_t count = slice.numel();
    switch (op) {
      case ReduceOp::Sum:
      case ReduceOp::Mean: {
        if (in.dtype == DType::I64) {
          int64_t sum = 0;
          for_each_index(slice, [&](const int64_t* i) { sum += load_int(slice, i); });
          store_int(out, oi, sum);
          break;
        }
        double sum = 0;
        for_each_index(slice, [&](const int64_t* i) { sum += load(slice, i); });
        store(out, oi, op == ReduceOp::Sum ? sum : sum / static_cast<double>(count));
        break;
      }
      case ReduceOp::Max:
      case ReduceOp::Min:
      case ReduceOp::ArgMax:
      case ReduceOp::ArgMin: {
        bool want_max = op == ReduceOp::Max || op == ReduceOp::ArgMax;
        bool want_index = op == ReduceOp::ArgMax || op == ReduceOp::ArgMin;
        int64_t index = 0;
        if (in.dtype == DType::I64) {
          int64_t best = 0;
          extreme<int64_t>(slice, want_max, load_int, &best, &index);
          store_int(out, oi, want_index ? index : best);
        } else {
          double best = 0;
          extreme<double>(slice, want_max, load, &best, &index);
          if (want_index)
            store_int(out, oi, index);
          else
            store(out, oi, best);
        }
        break;
      }
      case ReduceOp::Var: {
        double sum = 0;
        for_each_index(slice, [&](const int64_t* i) { sum += load(slice, i); });
        double mean = sum / static_cast<double>(count);
        double squares = 0;
        for_each_index(slice, [&](const int64_t* i) {
          double d = load(slice, i) - mean;
          squares += d * d;
        });
        double dof = static_cast<double>(count - p.correction);
        store(out, oi, dof > 0 ? squares / dof : std::numeric_limits<double>::quiet_NaN());
        break;
      }
    }
  });
}

}  // namespace ganforge::kernels
