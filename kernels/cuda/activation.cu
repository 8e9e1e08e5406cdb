// Activations and softmax of the cuda / cuda-sim backend.
//
// - activation_packed_grid_stride: when every operand is contiguous and 16-byte aligned, each
//   thread of a grid-stride loop loads whole 16-byte packs (a float4 of f32, two f64) of each
//   input and stores a pack of the output; the few elements after the last whole pack go to
//   the first threads. activation_strided_grid_stride takes every other layout, one element per
//   thread, with the operands' dims coalesced. Both apply ActivationMap in the tensor's own
//   type: the forward, or dy times the derivative written in x or y as backward_reads says
//   (kernels/common/activation_formulas.h).
// - softmax_forward_team_per_slice / softmax_backward_team_per_slice: the tensor is seen as
//   [outer, size, inner] around the dim; slice (o, i) is its `size` values inner apart. A team
//   of W lanes (a power of 2) works on one slice: W = 1 when inner > 1 (neighbouring threads
//   take neighbouring slices, so loads coalesce across the team-less threads), else up to 32
//   lanes walk the contiguous row together. The team's max and sums combine by an xor
//   butterfly (group_allreduce). Math is in double with one rounding at the end: the backward
//   y·(dy - Σdy·y) cancels, and softmax is small next to the layers around it.
#include <cmath>

#include "kernels/common/activation_formulas.h"
#include "kernels/common/layer_geometry.h"
#include "kernels/cuda/block_reduce.h"
#include "kernels/cuda/cuda_backend.h"

namespace ganforge::kernels::GANFORGE_CUDA_NS {
namespace {

template <class T>
struct ActivationMap {
  ActivationOp op;
  T alpha;
  bool backward;  // a = dy and b = x or y; else a = x (b unused)
  __device__ T operator()(T a, T b) const {
    return backward ? activation_backward_value(op, a, b, b, alpha) : activation_forward_value(op, a, alpha);
  }
};

template <class T>
struct alignas(16) Pack {
  static constexpr int kSize = static_cast<int>(16 / sizeof(T));
  T v[kSize];
};

// b is null for the forward (one input).
template <class T>
__global__ void activation_packed_grid_stride(int64_t n, T* out, const T* a, const T* b, ActivationMap<T> map) {
  using P = Pack<T>;
  const int64_t packs = n / P::kSize, stride = int64_t{gridDim.x} * blockDim.x;
  const int64_t first = int64_t{blockIdx.x} * blockDim.x + threadIdx.x;
  for (int64_t i = first; i < packs; i += stride) {
    const P pa = reinterpret_cast<const P*>(a)[i];
    const P pb = b != nullptr ? reinterpret_cast<const P*>(b)[i] : pa;
    P r;
    for (int l = 0; l < P::kSize; ++l) r.v[l] = map(pa.v[l], pb.v[l]);
    reinterpret_cast<P*>(out)[i] = r;
  }
  const int64_t tail = packs * P::kSize + first;
  if (tail < n) out[tail] = map(a[tail], b != nullptr ? b[tail] : a[tail]);
}

// Operands: out, a, b (a again for the forward).
template <class T>
__global__ void activation_strided_grid_stride(CoalescedOperands<3> ops, int64_t n, T* out, const T* a, const T* b,
                                               ActivationMap<T> map) {
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride) {
    int64_t off[3];
    ops.offsets(i, off);
    out[off[0]] = map(a[off[1]], b[off[2]]);
  }
}

bool packable(const TensorDesc& t) {
  return t.is_contiguous() && reinterpret_cast<uintptr_t>(t.data) % 16 == 0;
}

template <class T>
void run_activation(const TensorDesc& out, const TensorDesc& a, const TensorDesc& b, bool two_inputs, ActivationMap<T> map) {
  const int64_t n = out.numel();
  if (n == 0) return;
  if (packable(out) && packable(a) && packable(b)) {
    launch(activation_packed_grid_stride<T>, dim3(grid_for(n / Pack<T>::kSize + 1)), dim3(kThreadsPerBlock), 0, nullptr, n,
           typed<T>(out), typed<const T>(a), two_inputs ? typed<const T>(b) : nullptr, map);
  } else {
    const TensorDesc* operands[] = {&out, &a, &b};
    launch(activation_strided_grid_stride<T>, dim3(grid_for(n)), dim3(kThreadsPerBlock), 0, nullptr,
           coalesce<3>(operands), n, typed<T>(out), typed<const T>(a), typed<const T>(b), map);
  }
}

// A contiguous tensor as [outer, size, inner] around a dim, and the lanes per slice.
struct Slices : AroundDim {
  int width = 1;
  Slices(const TensorDesc& t, int dim) : AroundDim(t, dim) {
    if (inner == 1)
      while (width < 32 && width < size) width *= 2;
  }
  int64_t count() const { return outer * inner; }
};

// Runs body(base, active, team_lane) for each slice of this thread's team. Every lane of a
// warp makes the same number of calls (a team past the last slice is inactive), so the
// team's shuffles may name the whole warp.
template <class Body>
__device__ void for_each_slice(const Slices& sl, Body&& body) {
  const int64_t teams_per_warp = 32 / sl.width, slices = sl.outer * sl.inner;
  const int64_t warp = (int64_t{blockIdx.x} * blockDim.x + threadIdx.x) / 32;
  const int64_t warps = int64_t{gridDim.x} * blockDim.x / 32;
  const int lane = threadIdx.x % 32;
  for (int64_t first = warp * teams_per_warp; first < slices; first += warps * teams_per_warp) {
    const int64_t slice = first + lane / sl.width;
    const int64_t o = slice / sl.inner, i = slice % sl.inner;
    body(o * sl.size * sl.inner + i, slice < slices, lane % sl.width);
  }
}

__device__ inline double plus(double a, double b) { return a + b; }

// softmax: y = exp(x - max) / Σ exp(x - max);  log_softmax: y = x - max - log Σ exp(x - max).
// fmax skips NaN; an infinite max (all -inf, or some +inf) shifts by 0, as PyTorch.
template <class T>
__global__ void softmax_forward_team_per_slice(Slices sl, bool log_softmax, const T* x, T* y) {
  for_each_slice(sl, [&](int64_t base, bool active, int team_lane) {
    double max = -INFINITY;
    for (int64_t k = team_lane; active && k < sl.size; k += sl.width)
      max = fmax(max, static_cast<double>(x[base + k * sl.inner]));
    max = group_allreduce(max, sl.width, [](double a, double b) { return fmax(a, b); });
    if (fabs(max) == INFINITY) max = 0;
    double sum = 0;
    for (int64_t k = team_lane; active && k < sl.size; k += sl.width)
      sum += exp(static_cast<double>(x[base + k * sl.inner]) - max);
    sum = group_allreduce(sum, sl.width, plus);
    const double log_sum = log(sum);
    for (int64_t k = team_lane; active && k < sl.size; k += sl.width) {
      const int64_t at = base + k * sl.inner;
      const double shifted = static_cast<double>(x[at]) - max;
      y[at] = static_cast<T>(log_softmax ? shifted - log_sum : exp(shifted) / sum);
    }
  });
}

// softmax: dx = y·(dy - Σ dy·y);  log_softmax: dx = dy - exp(y)·Σ dy
template <class T>
__global__ void softmax_backward_team_per_slice(Slices sl, bool log_softmax, const T* dy, const T* y, T* dx) {
  for_each_slice(sl, [&](int64_t base, bool active, int team_lane) {
    double sum = 0;
    for (int64_t k = team_lane; active && k < sl.size; k += sl.width) {
      const int64_t at = base + k * sl.inner;
      sum += log_softmax ? static_cast<double>(dy[at]) : static_cast<double>(dy[at]) * static_cast<double>(y[at]);
    }
    sum = group_allreduce(sum, sl.width, plus);
    for (int64_t k = team_lane; active && k < sl.size; k += sl.width) {
      const int64_t at = base + k * sl.inner;
      const double g = static_cast<double>(dy[at]), v = static_cast<double>(y[at]);
      dx[at] = static_cast<T>(log_softmax ? g - exp(v) * sum : v * (g - sum));
    }
  });
}

unsigned softmax_blocks(const Slices& sl) { return grid_for(sl.count() * sl.width); }

}  // namespace

void CudaBackend::activation_forward(ActivationOp op, const TensorDesc& y, const TensorDesc& x, double alpha) {
  dispatch_floating("activation_forward", x.dtype, [&](auto type) {
    using T = decltype(type);
    run_activation<T>(y, x, x, false, ActivationMap<T>{op, static_cast<T>(alpha), false});
  });
}

void CudaBackend::activation_backward(ActivationOp op, const TensorDesc& dx, const TensorDesc& dy, const TensorDesc& x,
                                      const TensorDesc& y, double alpha) {
  dispatch_floating("activation_backward", dy.dtype, [&](auto type) {
    using T = decltype(type);
    run_activation<T>(dx, dy, backward_reads(op) == Reads::Input ? x : y, true,
                      ActivationMap<T>{op, static_cast<T>(alpha), true});
  });
}

void CudaBackend::softmax_forward(SoftmaxOp op, const TensorDesc& y, const TensorDesc& x, int dim) {
  const Slices sl(x, dim);
  const bool log = op == SoftmaxOp::LogSoftmax;
  if (x.numel() == 0) return;
  dispatch_floating("softmax_forward", x.dtype, [&](auto type) {
    using T = decltype(type);
    launch(softmax_forward_team_per_slice<T>, dim3(softmax_blocks(sl)), dim3(kThreadsPerBlock), 0, nullptr, sl, log,
           typed<const T>(x), typed<T>(y));
  });
}

void CudaBackend::softmax_backward(SoftmaxOp op, const TensorDesc& dx, const TensorDesc& dy, const TensorDesc& y, int dim) {
  const Slices sl(y, dim);
  const bool log = op == SoftmaxOp::LogSoftmax;
  if (y.numel() == 0) return;
  dispatch_floating("softmax_backward", y.dtype, [&](auto type) {
    using T = decltype(type);
    launch(softmax_backward_team_per_slice<T>, dim3(softmax_blocks(sl)), dim3(kThreadsPerBlock), 0, nullptr, sl, log,
           typed<const T>(dy), typed<const T>(y), typed<T>(dx));
  });
}

}  // namespace ganforge::kernels::GANFORGE_CUDA_NS
