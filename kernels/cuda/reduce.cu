// Reductions of the cuda / cuda-sim backend.
//
// - reduce_block_per_output: one block per output element (grid-stride over outputs), of
//   32-256 threads depending on the slice length. The block's threads stride over the element's slice of the input, each keeping a partial
//   (a sum in double / int64, or the best (value, index) pair); the partials are combined by
//   a warp-shuffle tree (__shfl_down_sync) and then across warps through shared memory.
//   Var takes a second pass around the mean (no cancellation). Max/min propagate NaN, and ties
//   go to the lowest index, so argmax/argmin match a sequential scan exactly.
#include "kernels/cuda/block_reduce.h"
#include "kernels/cuda/cuda_backend.h"

namespace ganforge::kernels::GANFORGE_CUDA_NS {
namespace {

constexpr int kWarps = kThreadsPerBlock / 32;

// Where the slices are: dims split into kept ones (walked over outputs) and reduced ones
// (walked within a slice, row-major, which numbers the argmax/argmin index).
struct ReduceLayout {
  int kept_ndim = 0, slice_ndim = 0;
  int64_t kept_shape[kMaxDims] = {}, kept_in[kMaxDims] = {}, kept_out[kMaxDims] = {};
  int64_t slice_shape[kMaxDims] = {}, slice_in[kMaxDims] = {};
  int64_t outputs = 1, count = 1;

  __device__ void output_offsets(int64_t o, int64_t* in_off, int64_t* out_off) const {
    *in_off = 0;
    *out_off = 0;
    for (int d = kept_ndim - 1; d >= 0; --d) {
      const int64_t i = o % kept_shape[d];
      o /= kept_shape[d];
      *in_off += i * kept_in[d];
      *out_off += i * kept_out[d];
    }
  }
  __device__ int64_t slice_offset(int64_t k) const {
    int64_t off = 0;
    for (int d = slice_ndim - 1; d >= 0; --d) {
      off += (k % slice_shape[d]) * slice_in[d];
      k /= slice_shape[d];
    }
    return off;
  }
};

ReduceLayout reduce_layout(const TensorDesc& out, const TensorDesc& in) {
  ReduceLayout l;
  for (int d = 0; d < in.ndim; ++d) {
    if (in.shape[d] == 1) continue;
    if (out.shape[d] == 1) {
      l.slice_shape[l.slice_ndim] = in.shape[d];
      l.slice_in[l.slice_ndim++] = in.strides[d];
      l.count *= in.shape[d];
    } else {
      l.kept_shape[l.kept_ndim] = in.shape[d];
      l.kept_in[l.kept_ndim] = in.strides[d];
      l.kept_out[l.kept_ndim++] = out.strides[d];
      l.outputs *= in.shape[d];
    }
  }
  if (in.numel() == 0) l.count = 0;
  return l;
}

template <class T>
struct Accumulator {
  using type = double;
};
template <>
struct Accumulator<int64_t> {
  using type = long long;
};

// Is (v, i) a better max/min candidate than (best, best_i)? NaN beats numbers; ties and NaN
// against NaN go to the lower index; an index of -1 means "no candidate yet".
template <class T>
__device__ bool better(T v, int64_t i, T best, int64_t best_i, bool want_max) {
  if (i < 0) return false;
  if (best_i < 0) return true;
  const bool v_nan = v != v, best_nan = best != best;
  if (v_nan || best_nan) return v_nan && best_nan ? i < best_i : v_nan;
  if (v == best) return i < best_i;
  return want_max ? v > best : v < best;
}

__device__ void store_result(void* out, DType dtype, int64_t at, double value, long long integer, bool use_integer) {
  switch (dtype) {
    case DType::F32: static_cast<float*>(out)[at] = use_integer ? static_cast<float>(integer) : static_cast<float>(value); break;
    case DType::F64: static_cast<double*>(out)[at] = use_integer ? static_cast<double>(integer) : value; break;
    case DType::I64: static_cast<int64_t*>(out)[at] = use_integer ? integer : static_cast<int64_t>(value); break;
  }
}

template <class T>
__global__ void reduce_block_per_output(ReduceLayout layout, ReduceOp op, int64_t correction, const T* in, void* out,
                                        DType out_dtype) {
  using Acc = typename Accumulator<T>::type;
  __shared__ Acc sums[kWarps];
  __shared__ double squares_scratch[kWarps];
  __shared__ T best_values[kWarps];
  __shared__ int64_t best_indices[kWarps];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  for (int64_t o = blockIdx.x; o < layout.outputs; o += gridDim.x) {  // the same trip count in the whole block
    int64_t base, at;
    layout.output_offsets(o, &base, &at);
    const T* slice = in + base;
    if (op == ReduceOp::Sum || op == ReduceOp::Mean || op == ReduceOp::Var) {
      Acc sum = 0;
      for (int64_t k = threadIdx.x; k < layout.count; k += blockDim.x) sum += static_cast<Acc>(slice[layout.slice_offset(k)]);
      sum = block_sum(sum, sums);
      const double count = static_cast<double>(layout.count);
      double result = static_cast<double>(sum);
      if (op == ReduceOp::Mean) result /= count;
      if (op == ReduceOp::Var) {
        const double mean = result / count;
        double squares = 0;
        for (int64_t k = threadIdx.x; k < layout.count; k += blockDim.x) {
          const double d = static_cast<double>(slice[layout.slice_offset(k)]) - mean;
          squares += d * d;
        }
        squares = block_sum(squares, squares_scratch);
        const double dof = count - static_cast<double>(correction);
        result = dof > 0 ? squares / dof : nan("");
      }
      if (threadIdx.x == 0)
        store_result(out, out_dtype, at, result, static_cast<long long>(sum), op == ReduceOp::Sum && out_dtype == DType::I64);
    } else {
      const bool want_max = op == ReduceOp::Max || op == ReduceOp::ArgMax;
      T best = 0;
      int64_t best_i = -1;
      for (int64_t k = threadIdx.x; k < layout.count; k += blockDim.x) {
        const T v = slice[layout.slice_offset(k)];
        if (better(v, k, best, best_i, want_max)) best = v, best_i = k;
      }
      for (int delta = 16; delta > 0; delta /= 2) {
        const T v = static_cast<T>(shuffle_down(best, delta));
        const int64_t i = static_cast<int64_t>(shuffle_down(static_cast<long long>(best_i), delta));
        if (better(v, i, best, best_i, want_max)) best = v, best_i = i;
      }
      if (lane == 0) best_values[warp] = best, best_indices[warp] = best_i;
      __syncthreads();
      if (threadIdx.x == 0) {
        for (unsigned w = 1; w < blockDim.x / 32; ++w)
          if (better(best_values[w], best_indices[w], best, best_i, want_max)) best = best_values[w], best_i = best_indices[w];
        const bool index_out = op == ReduceOp::ArgMax || op == ReduceOp::ArgMin;
        store_result(out, out_dtype, at, static_cast<double>(best), index_out ? best_i : static_cast<long long>(best),
                        index_out || out_dtype == DType::I64);
      }
      __syncthreads();
    }
  }
}

}  // namespace

void CudaBackend::reduce(ReduceOp op, const TensorDesc& out, const TensorDesc& in, ReduceParams p) {
  const ReduceLayout layout = reduce_layout(out, in);
  if (out.numel() == 0) return;
  const unsigned blocks = static_cast<unsigned>(layout.outputs < 4096 ? layout.outputs : 4096);
  // short slices get fewer threads: whole warps, up to kThreadsPerBlock
  const int64_t warps = (layout.count + 31) / 32;
  const unsigned threads = static_cast<unsigned>(32 * (warps < 1 ? 1 : (warps < kWarps ? warps : kWarps)));
  dispatch_dtype(in.dtype, [&](auto type) {
    using T = decltype(type);
    launch(reduce_block_per_output<T>, dim3(blocks), dim3(threads), 0, nullptr, layout, op, p.correction,
           static_cast<const T*>(in.data), out.data, out.dtype);
  });
}

}  // namespace ganforge::kernels::GANFORGE_CUDA_NS
