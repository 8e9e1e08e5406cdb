// cpu nearest upsampling and 2-D padding of contiguous [N, C, H, W] tensors, parallel over
// the N·C planes. Rows are copied with unit-stride loops; the backward of reflection
// padding accumulates each plane in a double buffer in the same order as the reference.
#include <vector>

#include "kernels/cpu/cpu_backend.h"
#include "kernels/cpu/map.h"

namespace ganforge::kernels {

namespace {

struct Planes {
  int64_t count, h, w, oh, ow;  // in: h×w, out: oh×ow
  Planes(const TensorDesc& small, const TensorDesc& large)
      : count(small.shape[0] * small.shape[1]), h(small.shape[2]), w(small.shape[3]), oh(large.shape[2]),
        ow(large.shape[3]) {}
};

template <class T>
void upsample(const TensorDesc& yd, const TensorDesc& xd) {
  const Planes p(xd, yd);
  const int64_t sh = p.oh / p.h, sw = p.ow / p.w;
  const T* x = typed<const T>(xd);
  T* y = typed<T>(yd);
  cpu::parallel_for(p.count, p.oh * p.ow, [&](int64_t begin, int64_t end) {
    for (int64_t plane = begin; plane < end; ++plane)
      for (int64_t i = 0; i < p.oh; ++i) {
        const T* src = x + (plane * p.h + i / sh) * p.w;
        T* dst = y + (plane * p.oh + i) * p.ow;
        for (int64_t j = 0; j < p.w; ++j)
          for (int64_t b = 0; b < sw; ++b) dst[j * sw + b] = src[j];
      }
  });
}

// dx[i, j] = Σ of dy over the sh×sw block that copied x[i, j]
template <class T>
void upsample_grad(const TensorDesc& dxd, const TensorDesc& dyd) {
  const Planes p(dxd, dyd);
  const int64_t sh = p.oh / p.h, sw = p.ow / p.w;
  const T* dy = typed<const T>(dyd);
  T* dx = typed<T>(dxd);
  cpu::parallel_for(p.count, p.oh * p.ow, [&](int64_t begin, int64_t end) {
    for (int64_t plane = begin; plane < end; ++plane)
      for (int64_t i = 0; i < p.h; ++i)
        for (int64_t j = 0; j < p.w; ++j) {
          double sum = 0;
          for (int64_t a = 0; a < sh; ++a) {
            const T* row = dy + (plane * p.oh + i * sh + a) * p.ow + j * sw;
            for (int64_t b = 0; b < sw; ++b) sum += static_cast<double>(row[b]);
          }
          dx[(plane * p.h + i) * p.w + j] = static_cast<T>(sum);
        }
  });
}

// The input index that padded position q reads, or -1 for a zero; reflection mirrors about
// the edge without repeating it (-1 -> 1, size -> size - 2).
int64_t source(PadMode mode, int64_t q, int64_t before, int64_t size) {
  const int64_t i = q - before;
  if (i >= 0 && i < size) return i;
  if (mode == PadMode::Zero) return -1;
  return i < 0 ? -i : 2 * (size - 1) - i;
}

template <class T>
void pad(PadMode mode, const TensorDesc& yd, const TensorDesc& xd, const int64_t pads[4]) {
  const Planes p(xd, yd);
  const int64_t left = pads[2];
  const T* x = typed<const T>(xd);
  T* y = typed<T>(yd);
  cpu::parallel_for(p.count, p.oh * p.ow, [&](int64_t begin, int64_t end) {
    for (int64_t plane = begin; plane < end; ++plane)
      for (int64_t i = 0; i < p.oh; ++i) {
        T* dst = y + (plane * p.oh + i) * p.ow;
        const int64_t si = source(mode, i, pads[0], p.h);
        if (si < 0) {
          for (int64_t j = 0; j < p.ow; ++j) dst[j] = T(0);
          continue;
        }
        const T* src = x + (plane * p.h + si) * p.w;
        for (int64_t j = 0; j < left; ++j) dst[j] = mode == PadMode::Zero ? T(0) : src[left - j];
        for (int64_t j = 0; j < p.w; ++j) dst[left + j] = src[j];
        for (int64_t j = left + p.w; j < p.ow; ++j) dst[j] = mode == PadMode::Zero ? T(0) : src[2 * (p.w - 1) - (j - left)];
      }
  });
}

template <class T>
void pad_grad(PadMode mode, const TensorDesc& dxd, const TensorDesc& dyd, const int64_t pads[4]) {
  const Planes p(dxd, dyd);
  const T* dy = typed<const T>(dyd);
  T* dx = typed<T>(dxd);
  cpu::parallel_for(p.count, p.oh * p.ow, [&](int64_t begin, int64_t end) {
    std::vector<double> sums(mode == PadMode::Reflect ? static_cast<size_t>(p.h * p.w) : 0);
    for (int64_t plane = begin; plane < end; ++plane) {
      T* out = dx + plane * p.h * p.w;
      const T* g = dy + plane * p.oh * p.ow;
      if (mode == PadMode::Zero) {  // the gradient of the kept window, nothing else
        for (int64_t i = 0; i < p.h; ++i)
          for (int64_t j = 0; j < p.w; ++j) out[i * p.w + j] = g[(i + pads[0]) * p.ow + j + pads[2]];
        continue;
      }
      std::fill(sums.begin(), sums.end(), 0.0);
      for (int64_t i = 0; i < p.oh; ++i) {
        const int64_t si = source(mode, i, pads[0], p.h);
        for (int64_t j = 0; j < p.ow; ++j) sums[si * p.w + source(mode, j, pads[2], p.w)] += static_cast<double>(g[i * p.ow + j]);
      }
      for (int64_t k = 0; k < p.h * p.w; ++k) out[k] = static_cast<T>(sums[k]);
    }
  });
}

template <class F>
void by_dtype(DType dtype, F&& f) {
  if (dtype == DType::F32)
    f(float{});
  else
    f(double{});
}

}  // namespace

void CpuBackend::upsample_nearest2d_forward(const TensorDesc& y, const TensorDesc& x) {
  by_dtype(x.dtype, [&](auto t) { upsample<decltype(t)>(y, x); });
}

void CpuBackend::upsample_nearest2d_backward(const TensorDesc& dx, const TensorDesc& dy) {
  by_dtype(dy.dtype, [&](auto t) { upsample_grad<decltype(t)>(dx, dy); });
}

void CpuBackend::pad2d_forward(PadMode mode, const TensorDesc& y, const TensorDesc& x, const int64_t pads[4]) {
  by_dtype(x.dtype, [&](auto t) { pad<decltype(t)>(mode, y, x, pads); });
}

void CpuBackend::pad2d_backward(PadMode mode, const TensorDesc& dx, const TensorDesc& dy, const int64_t pads[4]) {
  by_dtype(dy.dtype, [&](auto t) { pad_grad<decltype(t)>(mode, dx, dy, pads); });
}

}  // namespace ganforge::kernels
