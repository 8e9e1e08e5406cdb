// Nearest upsampling and 2-D padding of contiguous [N, C, H, W] tensors, cuda / cuda-sim.
//
// - resample_gather_grid_stride: one thread per output element (grid-stride over the N·C
//   planes' rows and columns) reads what it depends on and writes itself, so no kernel needs
//   atomics and every result is deterministic. The bodies:
//   - NearestUpsample: y[i, j] = x[i / sh, j / sw].
//   - NearestUpsampleGrad: dx[i, j] = Σ of dy over the sh×sw block that copied x[i, j].
//   - Pad: y[i, j] = x[source(i), source(j)], or 0 outside under zero padding; reflection
//     mirrors about the edge without repeating it (-1 -> 1, H -> H - 2).
//   - PadGrad: dx[i, j] = Σ dy over the padded positions that read x[i, j]: along each dim the
//     kept position and, under reflection, its mirror images in the leading and trailing pad
//     (at most one each, as pads < size), so at most 3 × 3 terms.
//   Sums accumulate in double and round once.
#include "kernels/cuda/cuda_backend.h"

namespace ganforge::kernels::GANFORGE_CUDA_NS {
namespace {

// out [planes, rows, cols] contiguous: calls body(plane, i, j) for out[flat].
template <class T, class Body>
__global__ void resample_gather_grid_stride(int64_t planes, int64_t rows, int64_t cols, T* out, Body body) {
  const int64_t n = planes * rows * cols, stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t flat = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; flat < n; flat += stride) {
    const int64_t j = flat % cols, r = flat / cols;
    out[flat] = body(r / rows, r % rows, j);
  }
}

// A plane pair: the small side (x of upsampling and padding) h × w, the large side oh × ow.
struct PlaneShapes {
  int64_t h, w, oh, ow;
};

struct Upsampling {
  PlaneShapes p;
  int64_t sh, sw;  // the integer factors oh / h, ow / w
};

template <class T>
struct NearestUpsample {
  const T* x;
  Upsampling u;
  __device__ T operator()(int64_t plane, int64_t i, int64_t j) const {
    return x[(plane * u.p.h + i / u.sh) * u.p.w + j / u.sw];
  }
};

template <class T>
struct NearestUpsampleGrad {
  const T* dy;
  Upsampling u;
  __device__ T operator()(int64_t plane, int64_t i, int64_t j) const {
    double sum = 0;
    for (int64_t a = 0; a < u.sh; ++a) {
      const T* row = dy + (plane * u.p.oh + i * u.sh + a) * u.p.ow + j * u.sw;
      for (int64_t b = 0; b < u.sw; ++b) sum += static_cast<double>(row[b]);
    }
    return static_cast<T>(sum);
  }
};

// The input index that padded position q reads, or -1 for a zero.
__device__ int64_t pad_source(PadMode mode, int64_t q, int64_t before, int64_t size) {
  const int64_t i = q - before;
  if (i >= 0 && i < size) return i;
  if (mode == PadMode::Zero) return -1;
  return i < 0 ? -i : 2 * (size - 1) - i;
}

// The r-th (r < 3) padded position q < padded that reads input index i (pad_source(q) == i),
// or -1: r = 0 the kept position; r = 1, 2 its mirror images in the leading and the trailing
// pad, under reflection. (Indexed by r rather than filling an array, so it stays in registers.)
__device__ int64_t pad_reader(PadMode mode, int r, int64_t i, int64_t before, int64_t size, int64_t padded) {
  if (r == 0) return i + before;
  if (mode == PadMode::Zero) return -1;
  if (r == 1) return i >= 1 && i <= before ? before - i : -1;
  const int64_t q = before + 2 * (size - 1) - i;
  return q >= before + size && q < padded ? q : -1;
}

struct Padding {
  PlaneShapes p;
  PadMode mode;
  int64_t top, left;
};

template <class T>
struct Pad {
  const T* x;
  Padding d;
  __device__ T operator()(int64_t plane, int64_t i, int64_t j) const {
    const int64_t si = pad_source(d.mode, i, d.top, d.p.h), sj = pad_source(d.mode, j, d.left, d.p.w);
    return si < 0 || sj < 0 ? T(0) : x[(plane * d.p.h + si) * d.p.w + sj];
  }
};

template <class T>
struct PadGrad {
  const T* dy;
  Padding d;
  __device__ T operator()(int64_t plane, int64_t i, int64_t j) const {
    double sum = 0;
    for (int a = 0; a < 3; ++a) {
      const int64_t row = pad_reader(d.mode, a, i, d.top, d.p.h, d.p.oh);
      if (row < 0) continue;
      for (int b = 0; b < 3; ++b) {
        const int64_t col = pad_reader(d.mode, b, j, d.left, d.p.w, d.p.ow);
        if (col >= 0) sum += static_cast<double>(dy[(plane * d.p.oh + row) * d.p.ow + col]);
      }
    }
    return static_cast<T>(sum);
  }
};

// Launches the gather over `out` (the large side for forwards, the small side for backwards).
template <class T, class Body>
void gather(const TensorDesc& out, Body body) {
  const int64_t planes = out.shape[0] * out.shape[1], rows = out.shape[2], cols = out.shape[3];
  const int64_t n = planes * rows * cols;
  if (n == 0) return;
  launch(resample_gather_grid_stride<T, Body>, dim3(grid_for(n)), dim3(kThreadsPerBlock), 0, nullptr, planes, rows, cols,
         typed<T>(out), body);
}

PlaneShapes plane_shapes(const TensorDesc& small, const TensorDesc& large) {
  return {small.shape[2], small.shape[3], large.shape[2], large.shape[3]};
}

}  // namespace

void CudaBackend::upsample_nearest2d_forward(const TensorDesc& y, const TensorDesc& x) {
  const PlaneShapes p = plane_shapes(x, y);
  if (p.h == 0 || p.w == 0) return;
  dispatch_floating("upsample_nearest2d_forward", x.dtype, [&](auto type) {
    using T = decltype(type);
    gather<T>(y, NearestUpsample<T>{typed<const T>(x), {p, p.oh / p.h, p.ow / p.w}});
  });
}

void CudaBackend::upsample_nearest2d_backward(const TensorDesc& dx, const TensorDesc& dy) {
  const PlaneShapes p = plane_shapes(dx, dy);
  if (p.h == 0 || p.w == 0) return;
  dispatch_floating("upsample_nearest2d_backward", dy.dtype, [&](auto type) {
    using T = decltype(type);
    gather<T>(dx, NearestUpsampleGrad<T>{typed<const T>(dy), {p, p.oh / p.h, p.ow / p.w}});
  });
}

void CudaBackend::pad2d_forward(PadMode mode, const TensorDesc& y, const TensorDesc& x, const int64_t pads[4]) {
  dispatch_floating("pad2d_forward", x.dtype, [&](auto type) {
    using T = decltype(type);
    gather<T>(y, Pad<T>{typed<const T>(x), {plane_shapes(x, y), mode, pads[0], pads[2]}});
  });
}

void CudaBackend::pad2d_backward(PadMode mode, const TensorDesc& dx, const TensorDesc& dy, const int64_t pads[4]) {
  dispatch_floating("pad2d_backward", dy.dtype, [&](auto type) {
    using T = decltype(type);
    gather<T>(dx, PadGrad<T>{typed<const T>(dy), {plane_shapes(dx, dy), mode, pads[0], pads[2]}});
  });
}

}  // namespace ganforge::kernels::GANFORGE_CUDA_NS
