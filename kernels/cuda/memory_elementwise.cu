// Elementwise primitives of the cuda / cuda-sim backend: copy, fill, the Philox fills, unary,
// binary, their backwards, where, and the gathers/scatters along one dim.
//
// - elementwise_grid_stride: a grid-stride loop over the shared index space of N strided
//   operands (dims coalesced on the host, kernels/common/coalesced_operands.h); each thread
//   turns its flat index into one offset per operand and calls a small body functor. The body
//   applies the shared formulas (kernels/common/elementwise_formulas.h) with the op switched
//   inside: it is the same for every thread, so warps never diverge on it. Math runs in the
//   tensor's own type (float for f32), as on the cpu backend.
// - random fills: the body evaluates Philox (kernels/philox.h) at the element's row-major
//   index, so every backend produces the same numbers.
// - index_select_gather: one thread per output element reads the indexed source element.
// - index_add_scatter: one thread per source element, atomicAdd into the indexed output
//   (repeated indices accumulate; the order of float additions is not fixed).
#include "kernels/common/elementwise_formulas.h"
#include "kernels/cuda/cuda_backend.h"
#include "kernels/philox.h"

namespace ganforge::kernels::GANFORGE_CUDA_NS {
namespace {

template <int N, class Body>
__global__ void elementwise_grid_stride(CoalescedOperands<N> ops, int64_t n, Body body) {
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride) {
    int64_t off[N];
    ops.offsets(i, off);
    body(i, off);
  }
}

template <int N, class Body>
void run_elementwise(const TensorDesc* const (&descs)[N], Body body) {
  const int64_t n = descs[0]->numel();
  if (n == 0) return;
  launch(elementwise_grid_stride<N, Body>, dim3(grid_for(n)), dim3(kThreadsPerBlock), 0, nullptr, coalesce<N>(descs), n, body);
}

__device__ inline void atomic_accumulate(float* p, float v) { atomicAdd(p, v); }
__device__ inline void atomic_accumulate(double* p, double v) { atomicAdd(p, v); }
__device__ inline void atomic_accumulate(int64_t* p, int64_t v) {  // two's complement: unsigned add is the same
  atomicAdd(reinterpret_cast<unsigned long long*>(p), static_cast<unsigned long long>(v));
}

template <class TOut, class TIn>
struct ConvertBody {
  TOut* out;
  const TIn* in;
  __device__ void operator()(int64_t, const int64_t* off) const { out[off[0]] = static_cast<TOut>(in[off[1]]); }
};

template <class T>
struct FillBody {
  T* out;
  T value;
  __device__ void operator()(int64_t, const int64_t* off) const { out[off[0]] = value; }
};

enum class Distribution : uint8_t { Uniform, Normal, Integer };

template <class T>
struct RandomBody {
  T* out;
  PhiloxState rng;
  DType dtype;
  Distribution distribution;
  double a, b;     // low, high (uniform) or mean, stddev (normal)
  int64_t lo, hi;  // integers in [lo, hi)
  __device__ void operator()(int64_t i, const int64_t* off) const {
    switch (distribution) {
      case Distribution::Uniform:
        out[off[0]] = static_cast<T>(a + (b - a) * philox::uniform_at(rng.seed, rng.offset, i, dtype));
        break;
      case Distribution::Normal:
        out[off[0]] = static_cast<T>(a + b * philox::normal_at(rng.seed, rng.offset, i, dtype));
        break;
      case Distribution::Integer: out[off[0]] = static_cast<T>(philox::int_at(rng.seed, rng.offset, i, lo, hi)); break;
    }
  }
};

template <class T>
struct UnaryBody {
  T* out;
  const T* in;
  UnaryOp op;
  T a, b;
  __device__ void operator()(int64_t, const int64_t* off) const { out[off[0]] = unary_forward(op, in[off[1]], a, b); }
};

// Operands: grad_in, grad_out, x, y = op(x).
template <class T>
struct UnaryBackwardBody {
  T* grad_in;
  const T *grad_out, *x, *y;
  UnaryOp op;
  T a, b;
  __device__ void operator()(int64_t, const int64_t* off) const {
    grad_in[off[0]] = unary_backward(op, grad_out[off[1]], x[off[2]], y[off[3]], a, b);
  }
};

template <class T>
struct BinaryBody {
  T* out;
  const T *a, *b;
  BinaryOp op;
  __device__ void operator()(int64_t, const int64_t* off) const { out[off[0]] = binary_forward(op, a[off[1]], b[off[2]]); }
};

// Operands: grad_a, grad_b (grad_out's layout stands in for one not wanted), grad_out, a, b.
template <class T>
struct BinaryBackwardBody {
  T *grad_a, *grad_b;
  const T *grad_out, *a, *b;
  BinaryOp op;
  bool want_a, want_b;
  __device__ void operator()(int64_t, const int64_t* off) const {
    const T g = grad_out[off[2]];
    const Partials<T> d = binary_partials(op, a[off[3]], b[off[4]]);
    if (want_a) grad_a[off[0]] = g * d.da;
    if (want_b) grad_b[off[1]] = g * d.db;
  }
};

template <class T, class C>
struct WhereBody {
  T* out;
  const C* cond;
  const T *a, *b;
  __device__ void operator()(int64_t, const int64_t* off) const { out[off[0]] = cond[off[1]] != 0 ? a[off[2]] : b[off[3]]; }
};

// One dim of `out` (gather) or of `src` (scatter) is addressed through the index tensor.
struct IndexedLayout {
  int ndim = 0, dim = 0;
  int64_t shape[kMaxDims] = {};     // the shape walked (out for gathers, src for scatters)
  int64_t walked[kMaxDims] = {};    // strides of the walked tensor
  int64_t indexed[kMaxDims] = {};   // strides of the tensor addressed through the index
  const int64_t* index = nullptr;
  int64_t index_stride = 0;

  __device__ void offsets(int64_t flat, int64_t* walked_off, int64_t* indexed_off) const {
    *walked_off = 0;
    *indexed_off = 0;
    for (int d = ndim - 1; d >= 0; --d) {
      const int64_t i = flat % shape[d];
      flat /= shape[d];
      *walked_off += i * walked[d];
      *indexed_off += (d == dim ? index[i * index_stride] : i) * indexed[d];
    }
  }
};

IndexedLayout indexed_layout(const TensorDesc& walked, const TensorDesc& indexed, int dim, const TensorDesc& index) {
  IndexedLayout l;
  l.ndim = walked.ndim;
  l.dim = dim;
  for (int d = 0; d < walked.ndim; ++d) {
    l.shape[d] = walked.shape[d];
    l.walked[d] = walked.strides[d];
    l.indexed[d] = indexed.strides[d];
  }
  l.index = static_cast<const int64_t*>(index.data);
  l.index_stride = index.strides[0];
  return l;
}

template <class T>
__global__ void index_select_gather(IndexedLayout layout, T* out, const T* table, int64_t n) {
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride) {
    int64_t o, t;
    layout.offsets(i, &o, &t);
    out[o] = table[t];
  }
}

template <class T>
__global__ void index_add_scatter(IndexedLayout layout, T* out, const T* src, int64_t n) {
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride) {
    int64_t s, o;
    layout.offsets(i, &s, &o);
    atomic_accumulate(out + o, src[s]);
  }
}

template <class T>
void random_fill(const TensorDesc& out, RandomBody<T> body) {
  body.out = typed<T>(out);
  body.dtype = out.dtype;
  run_elementwise<1>({&out}, body);
}

}  // namespace

void CudaBackend::copy(const TensorDesc& out, const TensorDesc& in) {
  dispatch_dtype(out.dtype, [&](auto out_type) {
    using TOut = decltype(out_type);
    dispatch_dtype(in.dtype, [&](auto in_type) {
      using TIn = decltype(in_type);
      run_elementwise<2>({&out, &in}, ConvertBody<TOut, TIn>{typed<TOut>(out), typed<const TIn>(in)});
    });
  });
}

void CudaBackend::fill(const TensorDesc& out, double value) {
  dispatch_dtype(out.dtype, [&](auto type) {
    using T = decltype(type);
    run_elementwise<1>({&out}, FillBody<T>{typed<T>(out), static_cast<T>(value)});
  });
}

void CudaBackend::random_uniform(const TensorDesc& out, PhiloxState rng, double low, double high) {
  dispatch_dtype(out.dtype, [&](auto type) {
    random_fill(out, RandomBody<decltype(type)>{nullptr, rng, out.dtype, Distribution::Uniform, low, high, 0, 0});
  });
}

void CudaBackend::random_normal(const TensorDesc& out, PhiloxState rng, double mean, double stddev) {
  dispatch_dtype(out.dtype, [&](auto type) {
    random_fill(out, RandomBody<decltype(type)>{nullptr, rng, out.dtype, Distribution::Normal, mean, stddev, 0, 0});
  });
}

void CudaBackend::random_int(const TensorDesc& out, PhiloxState rng, int64_t low, int64_t high) {
  dispatch_dtype(out.dtype, [&](auto type) {
    random_fill(out, RandomBody<decltype(type)>{nullptr, rng, out.dtype, Distribution::Integer, 0, 0, low, high});
  });
}

void CudaBackend::unary(UnaryOp op, const TensorDesc& out, const TensorDesc& in, ScalarParams p) {
  dispatch_dtype(out.dtype, [&](auto type) {
    using T = decltype(type);
    run_elementwise<2>({&out, &in}, UnaryBody<T>{typed<T>(out), typed<const T>(in), op, static_cast<T>(p.a), static_cast<T>(p.b)});
  });
}

void CudaBackend::unary_backward(UnaryOp op, const TensorDesc& grad_in, const TensorDesc& grad_out, const TensorDesc& x,
                                 const TensorDesc& y, ScalarParams p) {
  dispatch_dtype(grad_in.dtype, [&](auto type) {
    using T = decltype(type);
    run_elementwise<4>({&grad_in, &grad_out, &x, &y},
                       UnaryBackwardBody<T>{typed<T>(grad_in), typed<const T>(grad_out), typed<const T>(x), typed<const T>(y),
                                            op, static_cast<T>(p.a), static_cast<T>(p.b)});
  });
}

void CudaBackend::binary(BinaryOp op, const TensorDesc& out, const TensorDesc& a, const TensorDesc& b) {
  dispatch_dtype(out.dtype, [&](auto type) {
    using T = decltype(type);
    run_elementwise<3>({&out, &a, &b}, BinaryBody<T>{typed<T>(out), typed<const T>(a), typed<const T>(b), op});
  });
}

void CudaBackend::binary_backward(BinaryOp op, const TensorDesc& grad_a, const TensorDesc& grad_b,
                                  const TensorDesc& grad_out, const TensorDesc& a, const TensorDesc& b) {
  const bool want_a = grad_a.present(), want_b = grad_b.present();
  const TensorDesc& slot_a = want_a ? grad_a : grad_out;
  const TensorDesc& slot_b = want_b ? grad_b : grad_out;
  dispatch_dtype(grad_out.dtype, [&](auto type) {
    using T = decltype(type);
    run_elementwise<5>({&slot_a, &slot_b, &grad_out, &a, &b},
                       BinaryBackwardBody<T>{typed<T>(slot_a), typed<T>(slot_b), typed<const T>(grad_out), typed<const T>(a),
                                             typed<const T>(b), op, want_a, want_b});
  });
}

void CudaBackend::where(const TensorDesc& out, const TensorDesc& cond, const TensorDesc& a, const TensorDesc& b) {
  dispatch_dtype(out.dtype, [&](auto out_type) {
    using T = decltype(out_type);
    dispatch_dtype(cond.dtype, [&](auto cond_type) {
      using C = decltype(cond_type);
      run_elementwise<4>({&out, &cond, &a, &b}, WhereBody<T, C>{typed<T>(out), typed<const C>(cond), typed<const T>(a), typed<const T>(b)});
    });
  });
}

void CudaBackend::index_select(const TensorDesc& out, const TensorDesc& in, int dim, const TensorDesc& index) {
  const int64_t n = out.numel();
  if (n == 0) return;
  dispatch_dtype(out.dtype, [&](auto type) {
    using T = decltype(type);
    launch(index_select_gather<T>, dim3(grid_for(n)), dim3(kThreadsPerBlock), 0, nullptr, indexed_layout(out, in, dim, index),
           typed<T>(out), typed<const T>(in), n);
  });
}

void CudaBackend::index_add(const TensorDesc& out, int dim, const TensorDesc& index, const TensorDesc& src) {
  const int64_t n = src.numel();
  if (n == 0) return;
  dispatch_dtype(out.dtype, [&](auto type) {
    using T = decltype(type);
    launch(index_add_scatter<T>, dim3(grid_for(n)), dim3(kThreadsPerBlock), 0, nullptr, indexed_layout(src, out, dim, index),
           typed<T>(out), typed<const T>(src), n);
  });
}

}  // namespace ganforge::kernels::GANFORGE_CUDA_NS
