// cpu convolutions as GEMMs over im2col columns, a group of G samples at a time
// (K = Ci·kh·kw rows, P = Ho·Wo columns per sample):
//   direct:     Y_g [Co, G·P] = W [Co, K] · cols_g [K, G·P]
//   transposed: cols_g = Wᵀ · DY_g, then col2im adds every column back onto its window
//   filter:     dW += DY_g · cols_gᵀ
// G is chosen so that a group has at least kMinColumns columns: DCGAN's deep layers have
// 4x4 outputs, and a per-sample GEMM with 16 columns runs far below Eigen's peak.
// Groups run in parallel with per-thread buffers; a single group lets Eigen use the threads.
// As in kernels/reference/conv.cpp, the six primitives map onto these three routines
// (a transposed convolution is the backward-data of the convolution that shares its weight).
#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "kernels/cpu/cpu_backend.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/gemm_small.h"
#include "kernels/cpu/parallel.h"

namespace ganforge::kernels {
namespace {

constexpr int64_t kMinColumns = 512;

// The underlying convolution: input [N, Ci, H, W] -> output [N, Co, Ho, Wo].
struct Geometry {
  ConvParams p;
  int64_t n, ci, h, w, co, ho, wo, kh, kw;
  int64_t k() const { return ci * kh * kw; }
  int64_t positions() const { return ho * wo; }
  int64_t group() const { return std::clamp<int64_t>((kMinColumns + positions() - 1) / std::max<int64_t>(positions(), 1), 1, std::max<int64_t>(n, 1)); }
};

Geometry geometry(const ConvParams& p, const TensorDesc& in, const TensorDesc& weight, const TensorDesc& out) {
  return {p, in.shape[0], in.shape[1], in.shape[2], in.shape[3], out.shape[1], out.shape[2], out.shape[3],
          weight.shape[2], weight.shape[3]};
}

// Output columns [lo, hi) whose tap at offset `tap` lands inside [0, size) of the input.
void valid_range(int64_t out_size, int64_t in_size, int64_t stride, int64_t offset, int64_t* lo, int64_t* hi) {
  // position = o·stride + offset must satisfy 0 <= position < in_size
  *lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  *hi = in_size - offset <= 0 ? 0 : std::min(out_size, (in_size - offset + stride - 1) / stride);
  *lo = std::min(*lo, *hi);
}

// For small outputs (DCGAN's 4x4 and 8x8 maps) the per-row work above is mostly loop
// overhead, so those convolutions gather through a table instead: for every tap (i, j) and
// output position q, the offset of the input element within its channel plane, or -1 on
// padding. The table depends on neither channel nor sample, so it is built once per call.
constexpr int64_t kTableUpToWidth = 8;

struct TapTable {
  std::vector<int32_t> offsets;  // [kh·kw][P]
};

TapTable tap_table(const Geometry& g) {
  TapTable table;
  table.offsets.resize(static_cast<size_t>(g.kh * g.kw * g.positions()));
  int32_t* out = table.offsets.data();
  for (int64_t i = 0; i < g.kh; ++i)
    for (int64_t j = 0; j < g.kw; ++j)
      for (int64_t oh = 0; oh < g.ho; ++oh)
        for (int64_t ow = 0; ow < g.wo; ++ow) {
          const int64_t ih = oh * g.p.stride_h - g.p.pad_top + i * g.p.dilation_h;
          const int64_t iw = ow * g.p.stride_w - g.p.pad_left + j * g.p.dilation_w;
          *out++ = (ih >= 0 && ih < g.h && iw >= 0 && iw < g.w) ? static_cast<int32_t>(ih * g.w + iw) : -1;
        }
  return table;
}

template <class T>
void im2col_gather(const Geometry& g, const TapTable& table, const T* in, T* cols, int64_t ld, int64_t column) {
  const int64_t taps = g.kh * g.kw, positions = g.positions(), plane = g.h * g.w;
  for (int64_t c = 0; c < g.ci; ++c)
    for (int64_t t = 0; t < taps; ++t) {
      const int32_t* offsets = table.offsets.data() + t * positions;
      const T* src = in + c * plane;
      T* dst = cols + (c * taps + t) * ld + column;
      for (int64_t q = 0; q < positions; ++q) dst[q] = offsets[q] >= 0 ? src[offsets[q]] : T(0);
    }
}

template <class T>
void col2im_scatter(const Geometry& g, const TapTable& table, const T* cols, int64_t ld, int64_t column, T* in_grad) {
  const int64_t taps = g.kh * g.kw, positions = g.positions(), plane = g.h * g.w;
  for (int64_t c = 0; c < g.ci; ++c)
    for (int64_t t = 0; t < taps; ++t) {
      const int32_t* offsets = table.offsets.data() + t * positions;
      const T* src = cols + (c * taps + t) * ld + column;
      T* dst = in_grad + c * plane;
      for (int64_t q = 0; q < positions; ++q)
        if (offsets[q] >= 0) dst[offsets[q]] += src[q];
    }
}

// Writes sample `in` (one [Ci, H, W] image) as columns [column, column + P) of the K-row
// matrix `cols` with row length ld; taps that fall on padding become 0.
template <class T>
void im2col(const Geometry& g, const T* in, T* cols, int64_t ld, int64_t column) {
  const ConvParams& p = g.p;
  for (int64_t c = 0; c < g.ci; ++c)
    for (int64_t i = 0; i < g.kh; ++i)
      for (int64_t j = 0; j < g.kw; ++j) {
        T* row = cols + ((c * g.kh + i) * g.kw + j) * ld + column;
        const int64_t col_offset = j * p.dilation_w - p.pad_left;
        int64_t ow_lo, ow_hi;
        valid_range(g.wo, g.w, p.stride_w, col_offset, &ow_lo, &ow_hi);
        for (int64_t oh = 0; oh < g.ho; ++oh) {
          T* dst = row + oh * g.wo;
          const int64_t ih = oh * p.stride_h - p.pad_top + i * p.dilation_h;
          if (ih < 0 || ih >= g.h) {
            std::fill(dst, dst + g.wo, T(0));
            continue;
          }
          const T* src = in + (c * g.h + ih) * g.w + col_offset;
          std::fill(dst, dst + ow_lo, T(0));
          if (p.stride_w == 1)
            std::copy(src + ow_lo, src + ow_hi, dst + ow_lo);
          else
            for (int64_t ow = ow_lo; ow < ow_hi; ++ow) dst[ow] = src[ow * p.stride_w];
          std::fill(dst + ow_hi, dst + g.wo, T(0));
        }
      }
}

// The adjoint of im2col: adds columns [column, column + P) back onto the image `in_grad`.
template <class T>
void col2im(const Geometry& g, const T* cols, int64_t ld, int64_t column, T* in_grad) {
  const ConvParams& p = g.p;
  for (int64_t c = 0; c < g.ci; ++c)
    for (int64_t i = 0; i < g.kh; ++i)
      for (int64_t j = 0; j < g.kw; ++j) {
        const T* row = cols + ((c * g.kh + i) * g.kw + j) * ld + column;
        const int64_t col_offset = j * p.dilation_w - p.pad_left;
        int64_t ow_lo, ow_hi;
        valid_range(g.wo, g.w, p.stride_w, col_offset, &ow_lo, &ow_hi);
        for (int64_t oh = 0; oh < g.ho; ++oh) {
          const int64_t ih = oh * p.stride_h - p.pad_top + i * p.dilation_h;
          if (ih < 0 || ih >= g.h) continue;
          const T* src = row + oh * g.wo;
          T* dst = in_grad + (c * g.h + ih) * g.w + col_offset;
          for (int64_t ow = ow_lo; ow < ow_hi; ++ow) dst[ow * p.stride_w] += src[ow];
        }
      }
}

// im2col / col2im for one geometry, through the tap table when the output rows are short.
template <class T>
class Unfolder {
 public:
  explicit Unfolder(const Geometry& g) : g_(g) {
    if (g.wo <= kTableUpToWidth) table_ = tap_table(g);
  }
  void unfold(const T* in, T* cols, int64_t ld, int64_t column) const {
    if (table_.offsets.empty())
      im2col(g_, in, cols, ld, column);
    else
      im2col_gather(g_, table_, in, cols, ld, column);
  }
  void fold_add(const T* cols, int64_t ld, int64_t column, T* in_grad) const {
    if (table_.offsets.empty())
      col2im(g_, cols, ld, column, in_grad);
    else
      col2im_scatter(g_, table_, cols, ld, column, in_grad);
  }

 private:
  const Geometry& g_;
  TapTable table_;
};

// Row-major matrix operand of a GEMM; `transposed` reads it as its transpose.
MatrixDesc matrix(const void* data, int64_t ld, bool transposed = false) {
  return transposed ? MatrixDesc{const_cast<void*>(data), 0, 1, ld} : MatrixDesc{const_cast<void*>(data), 0, ld, 1};
}

template <class T>
void gemm(int64_t m, int64_t n, int64_t k, MatrixDesc a, MatrixDesc b, MatrixDesc c, double beta) {
  GemmDesc d;
  d.dtype = std::is_same_v<T, float> ? DType::F32 : DType::F64;
  d.m = m;
  d.n = n;
  d.k = k;
  d.a = a;
  d.b = b;
  d.c = c;
  d.beta = beta;
  cpu::gemm_single(d);
}

// Calls f(first_sample, samples, buffer) for every group, spreading groups over threads;
// each thread's buffer holds `buffer_size` elements.
template <class T, class F>
void for_each_group(const Geometry& g, int64_t buffer_size, F&& f) {
  const int64_t group = g.group(), groups = (g.n + group - 1) / group;
  const int64_t flops = 2 * g.co * g.k() * group * g.positions();
  cpu::parallel_for(groups, flops / 16, [&](int64_t begin, int64_t end) {
    std::vector<T> buffer(static_cast<size_t>(buffer_size));
    for (int64_t index = begin; index < end; ++index) {
      const int64_t first = index * group;
      f(first, std::min(group, g.n - first), buffer.data());
    }
  });
}

template <class T>
void add_bias(const TensorDesc& bias, T* out, int64_t channels, int64_t positions) {
  if (bias.data == nullptr) return;
  const T* b = static_cast<const T*>(bias.data);
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t q = 0; q < positions; ++q) out[c * positions + q] += b[c];
}

// out = direct(in, weight) + bias
template <class T>
void direct(const Geometry& g, const T* in, const T* weight, const TensorDesc& bias, T* out) {
  const int64_t k = g.k(), positions = g.positions(), columns = g.group() * positions;
  const Unfolder<T> unfolder(g);
  for_each_group<T>(g, k * columns + g.co * columns, [&](int64_t first, int64_t samples, T* buffer) {
    T* cols = buffer;
    T* product = buffer + k * columns;
    for (int64_t s = 0; s < samples; ++s) unfolder.unfold(in + (first + s) * g.ci * g.h * g.w, cols, columns, s * positions);
    if (std::min(g.co, k) <= cpu::kSmallGemmDim)
      cpu::small_gemm<T>(g.co, samples * positions, k, weight, k, 1, cols, columns, product, columns);
    else
      gemm<T>(g.co, samples * positions, k, matrix(weight, k), matrix(cols, columns), matrix(product, columns), 0);
    for (int64_t s = 0; s < samples; ++s) {
      T* dst = out + (first + s) * g.co * positions;
      for (int64_t c = 0; c < g.co; ++c)
        std::copy(product + c * columns + s * positions, product + c * columns + (s + 1) * positions, dst + c * positions);
      add_bias(bias, dst, g.co, positions);
    }
  });
}

// in_grad = transposed(out_grad, weight) + bias
template <class T>
void transposed(const Geometry& g, const T* out_grad, const T* weight, const TensorDesc& bias, T* in_grad) {
  const int64_t k = g.k(), positions = g.positions(), columns = g.group() * positions;
  const int64_t image = g.ci * g.h * g.w;
  const Unfolder<T> unfolder(g);
  for_each_group<T>(g, k * columns + g.co * columns, [&](int64_t first, int64_t samples, T* buffer) {
    T* cols = buffer;
    T* gathered = buffer + k * columns;  // out_grad of the group as [Co, samples·P]
    for (int64_t s = 0; s < samples; ++s)
      for (int64_t c = 0; c < g.co; ++c) {
        const T* src = out_grad + ((first + s) * g.co + c) * positions;
        std::copy(src, src + positions, gathered + c * columns + s * positions);
      }
    if (std::min(k, g.co) <= cpu::kSmallGemmDim)
      cpu::small_gemm<T>(k, samples * positions, g.co, weight, 1, k, gathered, columns, cols, columns);
    else
      gemm<T>(k, samples * positions, g.co, matrix(weight, k, true), matrix(gathered, columns), matrix(cols, columns), 0);
    for (int64_t s = 0; s < samples; ++s) {
      T* dst = in_grad + (first + s) * image;
      std::fill(dst, dst + image, T(0));
      unfolder.fold_add(cols, columns, s * positions, dst);
      add_bias(bias, dst, g.ci, g.h * g.w);
    }
  });
}

// weight_grad = filter(in, out_grad): the groups are split into one slice per thread, each
// slice summing into its own partial weight gradient, and the partials are added at the end.
template <class T>
void filter(const Geometry& g, const T* in, const T* out_grad, T* weight_grad) {
  const int64_t k = g.k(), positions = g.positions(), columns = g.group() * positions;
  const int64_t groups = (g.n + g.group() - 1) / g.group();
  const int64_t flops = 2 * g.co * k * columns * groups;
  const int64_t slices = std::clamp<int64_t>(flops / (16 * cpu::kMinWorkPerThread), 1, std::min<int64_t>(groups, cpu::max_threads()));
  std::vector<std::vector<T>> partials(static_cast<size_t>(slices), std::vector<T>(static_cast<size_t>(g.co * k), T(0)));
  const Unfolder<T> unfolder(g);
  cpu::parallel_for(slices, cpu::kMinWorkPerThread, [&](int64_t begin, int64_t end) {
    std::vector<T> buffer(static_cast<size_t>(k * columns + g.co * columns));
    T* cols = buffer.data();
    T* gathered = cols + k * columns;
    for (int64_t slice = begin; slice < end; ++slice) {
      T* sum = partials[static_cast<size_t>(slice)].data();
      for (int64_t index = groups * slice / slices; index < groups * (slice + 1) / slices; ++index) {
        const int64_t first = index * g.group(), samples = std::min(g.group(), g.n - first);
        for (int64_t s = 0; s < samples; ++s) {
          unfolder.unfold(in + (first + s) * g.ci * g.h * g.w, cols, columns, s * positions);
          for (int64_t c = 0; c < g.co; ++c) {
            const T* src = out_grad + ((first + s) * g.co + c) * positions;
            std::copy(src, src + positions, gathered + c * columns + s * positions);
          }
        }
        gemm<T>(g.co, k, samples * positions, matrix(gathered, columns), matrix(cols, columns, true), matrix(sum, k), 1);
      }
    }
  });
  std::copy(partials[0].begin(), partials[0].end(), weight_grad);
  for (size_t t = 1; t < partials.size(); ++t)
    for (int64_t e = 0; e < g.co * k; ++e) weight_grad[e] += partials[t][static_cast<size_t>(e)];
}

template <class T>
void bias_gradient(const TensorDesc& dy, const TensorDesc& dbias) {
  if (dbias.data == nullptr) return;
  const int64_t n = dy.shape[0], channels = dy.shape[1], positions = dy.shape[2] * dy.shape[3];
  const T* g = static_cast<const T*>(dy.data);
  T* out = static_cast<T*>(dbias.data);
  for (int64_t c = 0; c < channels; ++c) {
    double sum = 0;
    for (int64_t s = 0; s < n; ++s) {
      const T* plane = g + (s * channels + c) * positions;
      for (int64_t q = 0; q < positions; ++q) sum += plane[q];
    }
    out[c] = static_cast<T>(sum);
  }
}

// Calls f(T{}) for f32 / f64 convolutions; integer convolutions are not offered.
template <class F>
void floating(const char* op, DType dtype, F&& f) {
  if (dtype == DType::F32)
    f(float{});
  else if (dtype == DType::F64)
    f(double{});
  else
    throw std::invalid_argument(std::string(op) + ": the cpu backend convolves f32 or f64 tensors, not i64");
}

template <class T>
const T* as(const TensorDesc& t) {
  return static_cast<const T*>(t.data);
}
template <class T>
T* as_mutable(const TensorDesc& t) {
  return static_cast<T*>(t.data);
}

}  // namespace

void CpuBackend::conv2d_forward(const ConvParams& p, const TensorDesc& x, const TensorDesc& w, const TensorDesc& bias,
                                const TensorDesc& y) {
  floating("conv2d", x.dtype, [&](auto t) {
    using T = decltype(t);
    direct<T>(geometry(p, x, w, y), as<T>(x), as<T>(w), bias, as_mutable<T>(y));
  });
}

void CpuBackend::conv2d_backward_data(const ConvParams& p, const TensorDesc& dy, const TensorDesc& w,
                                      const TensorDesc& dx) {
  floating("conv2d backward", dy.dtype, [&](auto t) {
    using T = decltype(t);
    transposed<T>(geometry(p, dx, w, dy), as<T>(dy), as<T>(w), TensorDesc{}, as_mutable<T>(dx));
  });
}

void CpuBackend::conv2d_backward_filter(const ConvParams& p, const TensorDesc& x, const TensorDesc& dy,
                                        const TensorDesc& dw, const TensorDesc& dbias) {
  floating("conv2d backward", x.dtype, [&](auto t) {
    using T = decltype(t);
    filter<T>(geometry(p, x, dw, dy), as<T>(x), as<T>(dy), as_mutable<T>(dw));
    bias_gradient<T>(dy, dbias);
  });
}

void CpuBackend::conv_transpose2d_forward(const ConvParams& p, const TensorDesc& x, const TensorDesc& w,
                                          const TensorDesc& bias, const TensorDesc& y) {
  floating("conv_transpose2d", x.dtype, [&](auto t) {
    using T = decltype(t);
    transposed<T>(geometry(p, y, w, x), as<T>(x), as<T>(w), bias, as_mutable<T>(y));
  });
}

void CpuBackend::conv_transpose2d_backward_data(const ConvParams& p, const TensorDesc& dy, const TensorDesc& w,
                                                const TensorDesc& dx) {
  floating("conv_transpose2d backward", dy.dtype, [&](auto t) {
    using T = decltype(t);
    direct<T>(geometry(p, dy, w, dx), as<T>(dy), as<T>(w), TensorDesc{}, as_mutable<T>(dx));
  });
}

void CpuBackend::conv_transpose2d_backward_filter(const ConvParams& p, const TensorDesc& x, const TensorDesc& dy,
                                                  const TensorDesc& dw, const TensorDesc& dbias) {
  floating("conv_transpose2d backward", x.dtype, [&](auto t) {
    using T = decltype(t);
    filter<T>(geometry(p, dy, dw, x), as<T>(dy), as<T>(x), as_mutable<T>(dw));
    bias_gradient<T>(dy, dbias);
  });
}

}  // namespace ganforge::kernels
