// Convolutions of the cuda / cuda-sim backend as implicit GEMMs (CUTLASS's fprop / dgrad /
// wgrad): no im2col matrix is materialised; each element of a GEMM operand is gathered from the
// NCHW tensor as its tile is loaded.
//
// The three primitives, for input [N, Ci, H, W], output [N, Co, Ho, Wo], weight [Co, Ci, kh, kw]
// and T = kh·kw taps:
//   fprop  Y  [Co, N·Ho·Wo] = W  [Co, Ci·T] · im2col(X) [Ci·T, N·Ho·Wo]
//   dgrad  dX [Ci, N·H·W]   = Wᵀ [Ci, Co·T] · gather(dY) [Co·T, N·H·W]
//   wgrad  dW [Co, Ci·T]    = dY [Co, N·Ho·Wo] · im2col(X)ᵀ [N·Ho·Wo, Ci·T]
// (a transposed convolution runs them with input and output swapped: core/ops/conv.cpp).
// dgrad gathers rather than scatters (each dX element reads the dY elements whose windows
// cover it), so no pass needs atomics and every result is deterministic; with stride s it runs
// as s_h·s_w GEMMs, one per residue class of input pixels, each over only the taps that reach
// that class (a k4 s2 layer: 4 of 16), instead of multiplying the zeros of the other taps
// (CUTLASS's strided dgrad). GEMM rows are channels,
// columns are pixels (filter taps for wgrad); the first operand A is W (fprop) or dY (wgrad),
// read in place, or Wᵀ over a phase's taps (dgrad), which dgrad_pack_weights first regroups so
// that each phase's rows are contiguous: read in place, a row's 4 taps of a k4 s2 phase lie in
// 2 sectors per output channel (16 sectors for 32 floats, the profiler counted; 4 when packed).
//
// - conv2d_{fprop,dgrad}_implicit_gemm_tiled, conv2d_wgrad_implicit_gemm_split_k: a 64x64
//   output tile per block of 256 threads, each thread 4x4 outputs held in registers (rows
//   ty + 16i, columns tx + 16j, as in gemm.cu). Per step of 16 along K, A's 64x16 and B's 16x64
//   tiles are staged in shared memory. A is read 16 bytes at a time (float4 / double2) when its
//   contiguous runs along K (Ci·T of W, Co·taps of a packed phase of Wᵀ, the Ho·Wo of dY) and its
//   strides are multiples of the vector and the pointer is aligned, else element by element.
//   B's loader threads each keep one column, so a pixel is decoded once per block.
// - conv2d_{fprop,dgrad}_implicit_gemm_tensor_core, conv2d_wgrad_implicit_gemm_split_k_tensor_core:
//   in the tf32 and bf16 math modes (kernels/math_mode.h; f32 only), the same passes, 64x64 tiles
//   and K slices on the tensor cores, with a cp.async pipeline (tensor_core_tile.h). The gathers
//   give the address of each B element, so a copy goes from global to shared memory directly.
// - conv2d_{fprop,dgrad,wgrad}_implicit_gemm_few_channels: GEMMs of at most 4 rows (1 or 3
//   channels: grey / RGB images, D's single logit) would leave 60 of a tile's 64 rows idle.
//   Instead a block takes 32 columns, one per lane, and its 8 warps split K between them, each
//   lane keeping one sum per row; the warps' partial sums are added in shared memory in a
//   fixed order.
// - split K (any pass, either kernel; named in wgrad's, where it matters most): a weight
//   gradient has few output tiles (DCGAN's 3->64 layer has one) and K = N·Ho·Wo in the tens of
//   thousands; D's last layer (512->1 on 4x4) has one row and K = 8192. When the grid would be
//   small, blockIdx.z takes one slice of K and writes its partial sums to a workspace, and
//   conv2d_split_k_reduce adds the slices in order (deterministic, no float atomics) and stores
//   the total. The bias gradient is the channel sum of dy, done by the backend's own
//   deterministic reduce primitive.
#include <algorithm>
#include <limits>
#include <numeric>
#include <string>
#include <type_traits>

#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/tensor_core_tile.h"
#include "kernels/cuda/tile_mma.h"
#include "kernels/math_mode.h"

namespace ganforge::kernels::GANFORGE_CUDA_NS {
namespace {

static_assert(kThreadsPerSide * kThreadsPerSide == kThreadsPerBlock, "one 4x4 sub-tile per thread");
static_assert(kMmaTile == kTile && kMmaStep == kStep, "split K and the grid are the same for both tiled kernels");
constexpr int kFewRows = static_cast<int>(kFp32ConvRows), kFewColumns = 32, kFewSlices = kThreadsPerBlock / kFewColumns;

// launch_gemm splits K so that the grid has about kTargetBlocks blocks (two waves on a 132-SM
// H200 or a 108-SM A100), with no slice shorter than kMinSliceK (each slice pays for writing
// its partial tile and reading it back). A constant, not the device's SM count, so the order
// of the sums, hence the result, is the same on every GPU and on cuda-sim.
constexpr int64_t kTargetBlocks = 264, kMinSliceK = 256, kMaxSplits = 64;

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Quotient and remainder of a GEMM index (row, column, k, or a part of one) by a positive
// extent. Every GEMM dimension is below 2^31 (checked before launching), so the division is
// 32-bit: on a GPU, 64-bit division is a long emulated sequence, and the gathers divide per element.
struct Divided {
  int64_t quot, rem;
};
__device__ inline Divided divide(int64_t a, int64_t b) {
  const auto ua = static_cast<uint32_t>(a), ub = static_cast<uint32_t>(b);
  return {ua / ub, ua % ub};
}

// The underlying convolution: input [N, Ci, H, W] -> output [N, Co, Ho, Wo].
struct ConvGeometry {
  int64_t n, ci, h, w, co, ho, wo, kh, kw;
  int64_t stride_h, stride_w, pad_top, pad_left, dilation_h, dilation_w;

  __host__ __device__ int64_t taps() const { return kh * kw; }
  // The address of input element (ih, iw) of the channel plane at `plane`; nullptr on padding.
  template <class T>
  __device__ const T* input_address(const T* x, int64_t plane, int64_t ih, int64_t iw) const {
    return ih >= 0 && ih < h && iw >= 0 && iw < w ? x + plane + ih * w + iw : nullptr;
  }
};

ConvGeometry geometry(const ConvParams& p, const TensorDesc& in, const TensorDesc& weight, const TensorDesc& out) {
  return {in.shape[0], in.shape[1], in.shape[2], in.shape[3], out.shape[1], out.shape[2], out.shape[3], weight.shape[2],
          weight.shape[3], p.stride_h, p.stride_w, p.pad_top, p.pad_left, p.dilation_h, p.dilation_w};
}

template <class T>
struct Vector;
template <>
struct Vector<float> {
  using type = float4;
};
template <>
struct Vector<double> {
  using type = double2;
};
template <class T>
constexpr int kVectorWidth = static_cast<int>(sizeof(typename Vector<T>::type) / sizeof(T));

// An A operand read in place, with contiguous runs along K: element (r, k) at r·row_stride +
// (k / segment)·segment_stride + k % segment. fprop's W is one run of Ci·T per row; wgrad's dY
// has a run of Ho·Wo per sample.
template <class T>
struct SegmentedMatrix {
  const T* data;
  int64_t row_stride, segment, segment_stride;

  __device__ int64_t offset(int64_t r, int64_t k) const {
    const Divided run = divide(k, segment);
    return r * row_stride + run.quot * segment_stride + run.rem;
  }
  // Whole vectors never straddle a run and are aligned (K slices start at multiples of kStep).
  bool vectorizable() const {
    const int64_t v = kVectorWidth<T>;
    return reinterpret_cast<uintptr_t>(data) % sizeof(typename Vector<T>::type) == 0 && row_stride % v == 0 &&
           segment % v == 0 && segment_stride % v == 0;
  }
};

// The pixels (row0 + a·row_step, col0 + b·col_step), a < rows, b < cols, of every sample, as
// GEMM columns (n, a, b).
struct PixelGrid {
  int64_t row0, col0, rows, cols, row_step, col_step;
  struct Pixel {
    int64_t n, row, col;
  };
  __device__ Pixel pixel(int64_t column) const {
    const Divided n_ab = divide(column, rows * cols), a_b = divide(n_ab.rem, cols);
    return {n_ab.quot, row0 + a_b.quot * row_step, col0 + a_b.rem * col_step};
  }
};

// One phase of dgrad. With stride s, input row ih receives only from the taps i with
// i·dilation ≡ ih + pad (mod s): a gather over every tap would multiply s_h·s_w - 1 zeros for
// each product. So dgrad runs once per residue pair (r_h, r_w): over the input pixels of that
// class and only the taps (i0 + c·step_i, j0 + d·step_j), c < taps_i, d < taps_j, that reach
// them. With stride 1 there is one phase holding every tap in order.
struct DgradPhase {
  PixelGrid pixels;
  int64_t i0, j0, step_i, step_j, taps_i, taps_j;
  struct Tap {
    int64_t i, j;
  };
  __device__ Tap tap(int64_t t) const {  // the phase's tap t
    const Divided c_d = divide(t, taps_j);
    return {i0 + c_d.quot * step_i, j0 + c_d.rem * step_j};
  }
};

// fprop's B, the im2col of the input: row k = (ci, i, j), column = output pixel (n, oh, ow).
template <class T>
struct ImageGather {
  const T* x;
  ConvGeometry g;
  struct Column {
    int64_t image, ih, iw;  // the sample's offset in x and the window's top-left corner
  };
  __device__ Column column(int64_t col) const {
    const Divided n_q = divide(col, g.ho * g.wo), oh_ow = divide(n_q.rem, g.wo);
    return {n_q.quot * g.ci * g.h * g.w, oh_ow.quot * g.stride_h - g.pad_top, oh_ow.rem * g.stride_w - g.pad_left};
  }
  __device__ const T* address(int64_t k, const Column& c) const {
    const Divided ci_t = divide(k, g.taps()), i_j = divide(ci_t.rem, g.kw);
    return g.input_address(x, c.image + ci_t.quot * g.h * g.w, c.ih + i_j.quot * g.dilation_h, c.iw + i_j.rem * g.dilation_w);
  }
};

// dgrad's B: row k = (co, phase tap (i, j)), column = input pixel (n, ih, iw) of the phase;
// the element is dY at the output position whose window puts tap (i, j) on (ih, iw) (the
// phase makes the division by the stride exact), or 0 where that is outside dY.
template <class T>
struct GradientGather {
  const T* dy;
  ConvGeometry g;
  DgradPhase phase;
  struct Column {
    int64_t image, h, v;  // the sample's offset in dy; ih + pad_top, iw + pad_left
  };
  __device__ Column column(int64_t col) const {
    const PixelGrid::Pixel px = phase.pixels.pixel(col);
    return {px.n * g.co * g.ho * g.wo, px.row + g.pad_top, px.col + g.pad_left};
  }
  __device__ const T* address(int64_t k, const Column& c) const {
    const Divided co_t = divide(k, phase.taps_i * phase.taps_j);
    const DgradPhase::Tap tap = phase.tap(co_t.rem);
    const int64_t h = c.h - tap.i * g.dilation_h, v = c.v - tap.j * g.dilation_w;
    if (h < 0 || v < 0) return nullptr;
    const int64_t oh = divide(h, g.stride_h).quot, ow = divide(v, g.stride_w).quot;
    return oh < g.ho && ow < g.wo ? dy + c.image + (co_t.quot * g.ho + oh) * g.wo + ow : nullptr;
  }
};

// wgrad's B, im2col(X)ᵀ: row k = output pixel (n, oh, ow), column = tap (ci, i, j).
template <class T>
struct FilterGather {
  const T* x;
  ConvGeometry g;
  struct Column {
    int64_t plane, ih, iw;  // the channel's offset in a sample; the tap's offset from a window's corner
  };
  __device__ Column column(int64_t col) const {
    const Divided ci_t = divide(col, g.taps()), i_j = divide(ci_t.rem, g.kw);
    return {ci_t.quot * g.h * g.w, i_j.quot * g.dilation_h - g.pad_top, i_j.rem * g.dilation_w - g.pad_left};
  }
  __device__ const T* address(int64_t k, const Column& c) const {
    const Divided n_q = divide(k, g.ho * g.wo), oh_ow = divide(n_q.rem, g.wo);
    return g.input_address(x, n_q.quot * g.ci * g.h * g.w + c.plane, oh_ow.quot * g.stride_h + c.ih,
                           oh_ow.rem * g.stride_w + c.iw);
  }
};

// A gathered B element: the value at the gather's address, 0 where it has none (padding, or a
// tap whose output position lies outside dY).
template <class Gather>
__device__ auto gathered(const Gather& b, int64_t k, const typename Gather::Column& c) {
  const auto* element = b.address(k, c);
  return element != nullptr ? *element : std::remove_cvref_t<decltype(*element)>(0);
}

// fprop / dgrad: GEMM element (r, pixel (n, h, w) of the grid) is out[n][r][h][w], plus
// bias[r] when there is one.
template <class T>
struct ImageOutput {
  T* out;
  const T* bias;
  int64_t channels, height, width;
  PixelGrid pixels;
  __device__ void store(int64_t r, int64_t col, T v) const {
    const PixelGrid::Pixel px = pixels.pixel(col);
    out[((px.n * channels + r) * height + px.row) * width + px.col] = bias != nullptr ? v + bias[r] : v;
  }
};

// wgrad: GEMM element (r, c) is dW[r][c].
template <class T>
struct FilterOutput {
  T* dw;
  int64_t columns;  // Ci·T
  __device__ void store(int64_t r, int64_t c, T v) const { dw[r * columns + c] = v; }
};

// One pass as a GEMM: m x n outputs, reduction length k; blockIdx.z takes [z·k_slice, (z+1)·k_slice).
// With more than one slice, slice z's partial sums go to partials[z][r][c] and
// conv2d_split_k_reduce stores their total; a single slice stores its result.
template <class T, class AMatrix, class Gather, class Output>
struct ConvGemm {
  using Element = T;
  using Destination = Output;
  int64_t m, n, k, k_slice;
  AMatrix a;
  Gather b;
  Output out;
  T* partials;

  __device__ int64_t slice_end(int64_t begin) const { return begin + k_slice < k ? begin + k_slice : k; }
  __device__ void store(int64_t r, int64_t c, T v) const {
    if (partials != nullptr)
      partials[(int64_t{blockIdx.z} * m + r) * n + c] = v;
    else
      out.store(r, c, v);
  }
};

template <class T>
using FpropGemm = ConvGemm<T, SegmentedMatrix<T>, ImageGather<T>, ImageOutput<T>>;
template <class T>
using DgradGemm = ConvGemm<T, SegmentedMatrix<T>, GradientGather<T>, ImageOutput<T>>;
template <class T>
using WgradGemm = ConvGemm<T, SegmentedMatrix<T>, FilterGather<T>, FilterOutput<T>>;

// a_tile[kk][i] = A(m0 + i, k0 + kk), zero outside [0, m) x [k0, k_end).
template <bool kVector, class T, class AMatrix>
__device__ void load_a_tile(const AMatrix& a, StagedTile<T>& tile, int64_t m0, int64_t k0, int64_t m,
                            int64_t k_end) {
  if constexpr (kVector) {
    using V = typename Vector<T>::type;
    constexpr int width = kVectorWidth<T>, per_row = kStep / width;
    for (int e = threadIdx.x; e < kTile * per_row; e += kThreadsPerBlock) {
      const int i = e / per_row, kk = e % per_row * width;  // consecutive threads walk k: contiguous runs
      const int64_t row = m0 + i, k = k0 + kk;
      V v{};
      if (row < m && k < k_end) v = *reinterpret_cast<const V*>(a.data + a.offset(row, k));
      const T* parts = reinterpret_cast<const T*>(&v);
      for (int c = 0; c < width; ++c) tile[kk + c][i] = parts[c];
    }
  } else {
    for (int e = threadIdx.x; e < kTile * kStep; e += kThreadsPerBlock) {
      const int i = e / kStep, kk = e % kStep;
      const int64_t row = m0 + i, k = k0 + kk;
      tile[kk][i] = row < m && k < k_end ? a.data[a.offset(row, k)] : T(0);
    }
  }
}

template <bool kVectorA, class T, class AMatrix, class Gather, class Output>
__device__ void implicit_gemm_tiled(const ConvGemm<T, AMatrix, Gather, Output>& p) {
  __shared__ StagedTile<T> a_tile;
  __shared__ StagedTile<T> b_tile;  // b_tile[kk][j] = B(k0 + kk, n0 + j)
  const int64_t m0 = int64_t{blockIdx.y} * kTile, n0 = int64_t{blockIdx.x} * kTile;
  const int64_t k_begin = int64_t{blockIdx.z} * p.k_slice, k_end = p.slice_end(k_begin);
  const int tx = threadIdx.x % kThreadsPerSide, ty = threadIdx.x / kThreadsPerSide;
  const int b_col = threadIdx.x % kTile;  // the B column this thread loads, every step
  const bool b_valid = n0 + b_col < p.n;
  const typename Gather::Column column = p.b.column(b_valid ? n0 + b_col : 0);
  T acc[kPerThread][kPerThread] = {};
  for (int64_t k0 = k_begin; k0 < k_end; k0 += kStep) {
    load_a_tile<kVectorA>(p.a, a_tile, m0, k0, p.m, k_end);
    for (int kk = threadIdx.x / kTile; kk < kStep; kk += kThreadsPerBlock / kTile)
      b_tile[kk][b_col] = b_valid && k0 + kk < k_end ? gathered(p.b, k0 + kk, column) : T(0);
    __syncthreads();
    accumulate_tile_step(a_tile, b_tile, tx, ty, acc);
    __syncthreads();
  }
  for (int i = 0; i < kPerThread; ++i)
    for (int j = 0; j < kPerThread; ++j) {
      const int64_t row = m0 + ty + kThreadsPerSide * i, col = n0 + tx + kThreadsPerSide * j;
      if (row < p.m && col < p.n) p.store(row, col, acc[i][j]);
    }
}

template <class T, class AMatrix, class Gather, class Output>
__device__ void implicit_gemm_few_rows(const ConvGemm<T, AMatrix, Gather, Output>& p) {
  __shared__ T partial[kFewSlices][kFewRows][kFewColumns];
  const int lane = threadIdx.x % kFewColumns, slice = threadIdx.x / kFewColumns;
  const int64_t col = int64_t{blockIdx.x} * kFewColumns + lane;
  const int64_t k_begin = int64_t{blockIdx.z} * p.k_slice, k_end = p.slice_end(k_begin);
  T acc[kFewRows] = {};
  if (col < p.n) {
    const typename Gather::Column column = p.b.column(col);
    for (int64_t k = k_begin + slice; k < k_end; k += kFewSlices) {
      const T v = gathered(p.b, k, column);
      for (int r = 0; r < kFewRows; ++r)
        if (r < p.m) acc[r] += p.a.data[p.a.offset(r, k)] * v;  // the same A element in the whole warp
    }
  }
  for (int r = 0; r < kFewRows; ++r) partial[slice][r][lane] = acc[r];
  __syncthreads();
  if (slice != 0 || col >= p.n) return;
  for (int r = 0; r < p.m; ++r) {
    T sum = partial[0][r][lane];
    for (int s = 1; s < kFewSlices; ++s) sum += partial[s][r][lane];
    p.store(r, col, sum);
  }
}

template <class T, bool kVectorA>
__global__ void conv2d_fprop_implicit_gemm_tiled(FpropGemm<T> p) {
  implicit_gemm_tiled<kVectorA>(p);
}
template <class T, bool kVectorA>
__global__ void conv2d_dgrad_implicit_gemm_tiled(DgradGemm<T> p) {
  implicit_gemm_tiled<kVectorA>(p);
}
template <class T, bool kVectorA>
__global__ void conv2d_wgrad_implicit_gemm_split_k(WgradGemm<T> p) {
  implicit_gemm_tiled<kVectorA>(p);
}
template <class T>
__global__ void conv2d_fprop_implicit_gemm_few_channels(FpropGemm<T> p) {
  implicit_gemm_few_rows(p);
}
template <class T>
__global__ void conv2d_dgrad_implicit_gemm_few_channels(DgradGemm<T> p) {
  implicit_gemm_few_rows(p);
}
template <class T>
__global__ void conv2d_wgrad_implicit_gemm_few_channels(WgradGemm<T> p) {
  implicit_gemm_few_rows(p);
}

// The tf32 / bf16 passes (f32 only): tensor_core_tile.h's main loop over this block's K slice.
template <class Math, bool kVectorA, class Gemm>
__device__ void implicit_gemm_tensor_core(const Gemm& p) {
  const int64_t k_begin = int64_t{blockIdx.z} * p.k_slice, k_end = p.slice_end(k_begin);
  tensor_core_tile<Math, kVectorA>(p.a, p.b, p.m, p.n, int64_t{blockIdx.y} * kMmaTile, int64_t{blockIdx.x} * kMmaTile,
                                   k_begin, k_end, [&](int64_t r, int64_t c, float v) { p.store(r, c, v); });
}
template <class Math, bool kVectorA>
__global__ void conv2d_fprop_implicit_gemm_tensor_core(FpropGemm<float> p) {
  implicit_gemm_tensor_core<Math, kVectorA>(p);
}
template <class Math, bool kVectorA>
__global__ void conv2d_dgrad_implicit_gemm_tensor_core(DgradGemm<float> p) {
  implicit_gemm_tensor_core<Math, kVectorA>(p);
}
template <class Math, bool kVectorA>
__global__ void conv2d_wgrad_implicit_gemm_split_k_tensor_core(WgradGemm<float> p) {
  implicit_gemm_tensor_core<Math, kVectorA>(p);
}

// Along one axis of the kernel, for tap `tap` of residue r (tap·dilation mod stride): the taps of
// smaller residues (where phase r starts in a phase-major order), those of residue r (the phase's
// taps), and those of residue r before `tap` (its place in the phase).
struct PhaseTaps {
  int64_t before, count, rank;
};
__device__ inline PhaseTaps phase_taps(int64_t tap, int64_t kernel, int64_t stride, int64_t dilation) {
  const int64_t r = tap * dilation % stride;
  PhaseTaps t{0, 0, 0};
  for (int64_t i = 0; i < kernel; ++i) {
    const int64_t residue = i * dilation % stride;
    t.before += residue < r;
    t.count += residue == r;
    t.rank += residue == r && i < tap;
  }
  return t;
}

// dgrad's A for every phase at once: phase (r_h, r_w) (in the order dgrad runs them) becomes a
// [Ci, Co·taps] row-major block, k = (co, phase tap), so each GEMM row is one contiguous run.
// Threads walk W in its own order, so the reads coalesce.
template <class T>
__global__ void dgrad_pack_weights(const T* w, T* packed, ConvGeometry g) {
  const int64_t elements = g.co * g.ci * g.taps(), stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t e = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; e < elements; e += stride) {
    const int64_t j = e % g.kw, i = e / g.kw % g.kh, ci = e / g.taps() % g.ci, co = e / (g.taps() * g.ci);
    const PhaseTaps rows = phase_taps(i, g.kh, g.stride_h, g.dilation_h);
    const PhaseTaps cols = phase_taps(j, g.kw, g.stride_w, g.dilation_w);
    const int64_t phase_start = g.ci * g.co * (rows.before * g.kw + rows.count * cols.before);
    packed[phase_start + (ci * g.co + co) * rows.count * cols.count + rows.rank * cols.count + cols.rank] = w[e];
  }
}

// out = the sum of the slices' partial sums, added in slice order.
template <class T, class Output>
__global__ void conv2d_split_k_reduce(Output out, const T* partials, int64_t slices, int64_t m, int64_t n) {
  const int64_t elements = m * n, stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t e = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; e < elements; e += stride) {
    T sum = partials[e];
    for (int64_t z = 1; z < slices; ++z) sum += partials[z * elements + e];
    out.store(e / n, e % n, sum);
  }
}

// A tiled kernel with A read 16 bytes at a time, and element by element.
template <class Gemm>
struct TiledKernels {
  void (*vector)(Gemm) = nullptr;
  void (*scalar)(Gemm) = nullptr;
};

// A pass's kernels: the tiled ones per math mode (f64 has only fp32's: it computes in f64 in
// every mode), and the few-channel one, which stays FP32 FMA (a GEMM of at most 4 rows would
// leave most of an mma tile idle).
template <class Gemm>
struct PassKernels {
  TiledKernels<Gemm> fp32, tf32, bf16;
  void (*few_channels)(Gemm) = nullptr;

  const TiledKernels<Gemm>& tiled(MathMode math) const {
    if (math == MathMode::Tf32 && tf32.vector != nullptr) return tf32;
    if (math == MathMode::Bf16 && bf16.vector != nullptr) return bf16;
    return fp32;
  }
};

template <class T>
PassKernels<FpropGemm<T>> fprop_kernels() {
  PassKernels<FpropGemm<T>> k;
  k.fp32 = {conv2d_fprop_implicit_gemm_tiled<T, true>, conv2d_fprop_implicit_gemm_tiled<T, false>};
  k.few_channels = conv2d_fprop_implicit_gemm_few_channels<T>;
  if constexpr (std::is_same_v<T, float>) {
    k.tf32 = {conv2d_fprop_implicit_gemm_tensor_core<Tf32, true>, conv2d_fprop_implicit_gemm_tensor_core<Tf32, false>};
    k.bf16 = {conv2d_fprop_implicit_gemm_tensor_core<Bf16, true>, conv2d_fprop_implicit_gemm_tensor_core<Bf16, false>};
  }
  return k;
}
template <class T>
PassKernels<DgradGemm<T>> dgrad_kernels() {
  PassKernels<DgradGemm<T>> k;
  k.fp32 = {conv2d_dgrad_implicit_gemm_tiled<T, true>, conv2d_dgrad_implicit_gemm_tiled<T, false>};
  k.few_channels = conv2d_dgrad_implicit_gemm_few_channels<T>;
  if constexpr (std::is_same_v<T, float>) {
    k.tf32 = {conv2d_dgrad_implicit_gemm_tensor_core<Tf32, true>, conv2d_dgrad_implicit_gemm_tensor_core<Tf32, false>};
    k.bf16 = {conv2d_dgrad_implicit_gemm_tensor_core<Bf16, true>, conv2d_dgrad_implicit_gemm_tensor_core<Bf16, false>};
  }
  return k;
}
template <class T>
PassKernels<WgradGemm<T>> wgrad_kernels() {
  PassKernels<WgradGemm<T>> k;
  k.fp32 = {conv2d_wgrad_implicit_gemm_split_k<T, true>, conv2d_wgrad_implicit_gemm_split_k<T, false>};
  k.few_channels = conv2d_wgrad_implicit_gemm_few_channels<T>;
  if constexpr (std::is_same_v<T, float>) {
    k.tf32 = {conv2d_wgrad_implicit_gemm_split_k_tensor_core<Tf32, true>,
              conv2d_wgrad_implicit_gemm_split_k_tensor_core<Tf32, false>};
    k.bf16 = {conv2d_wgrad_implicit_gemm_split_k_tensor_core<Bf16, true>,
              conv2d_wgrad_implicit_gemm_split_k_tensor_core<Bf16, false>};
  }
  return k;
}

bool few_rows(int64_t m) { return !conv_follows_math(m); }

// Blocks of one K slice: the few-channel kernel's column strips, or the tiled kernel's tiles.
int64_t output_blocks(int64_t m, int64_t n) {
  return few_rows(m) ? ceil_div(n, kFewColumns) : ceil_div(m, kTile) * ceil_div(n, kTile);
}

// Device memory for the split-K partial sums, from the backend's allocator; freed when the pass is done.
class Workspace {
 public:
  Workspace(Backend& backend, size_t bytes) : backend_(backend), data_(backend.allocate(bytes)) {}
  ~Workspace() { backend_.deallocate(data_); }
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;
  template <class T>
  T* as() const {
    return static_cast<T*>(data_);
  }

 private:
  Backend& backend_;
  void* data_;
};

// Runs one pass: the few-channel or the tiled kernel, over as many K slices as split K gives.
template <class Gemm>
void launch_gemm(Backend& backend, const PassKernels<Gemm>& kernels, Gemm p) {
  using T = typename Gemm::Element;
  constexpr int64_t limit = std::numeric_limits<int32_t>::max();  // see divide()
  if (p.m > limit || p.n > limit || p.k > limit)
    throw std::invalid_argument("cuda conv: a GEMM of " + std::to_string(p.m) + " x " + std::to_string(p.n) + " x " +
                                std::to_string(p.k) + " exceeds the 2^31 - 1 the kernels index");
  if (p.m == 0 || p.n == 0) return;
  const int64_t blocks = output_blocks(p.m, p.n);
  const int64_t splits = std::clamp<int64_t>(std::min(ceil_div(kTargetBlocks, blocks), p.k / kMinSliceK), 1, kMaxSplits);
  p.k_slice = std::max<int64_t>(ceil_div(ceil_div(p.k, splits), kStep) * kStep, 1);  // whole steps keep vectors aligned
  const int64_t slices = std::max<int64_t>(ceil_div(p.k, p.k_slice), 1);
  auto run = [&] {
    const dim3 block(kThreadsPerBlock);
    const auto z = static_cast<unsigned>(slices);
    if (few_rows(p.m))
      launch(kernels.few_channels, dim3(static_cast<unsigned>(ceil_div(p.n, kFewColumns)), 1, z), block, 0, nullptr, p);
    else {
      const TiledKernels<Gemm>& tiled = kernels.tiled(current_math());
      const bool tensor_cores = &tiled != &kernels.fp32;
      if (tensor_cores) require_tensor_cores();
      launch(p.a.vectorizable() ? tiled.vector : tiled.scalar,
             dim3(static_cast<unsigned>(ceil_div(p.n, kTile)), static_cast<unsigned>(ceil_div(p.m, kTile)), z),
             dim3(tensor_cores ? kMmaThreads : kThreadsPerBlock), 0, nullptr, p);
    }
  };
  if (slices == 1) {
    p.partials = nullptr;
    run();
    return;
  }
  const Workspace workspace(backend, static_cast<size_t>(slices * p.m * p.n) * sizeof(T));
  p.partials = workspace.as<T>();
  run();
  launch(conv2d_split_k_reduce<T, typename Gemm::Destination>, dim3(grid_for(p.m * p.n)), dim3(kThreadsPerBlock), 0,
         nullptr, p.out, static_cast<const T*>(p.partials), slices, p.m, p.n);
}

template <class T>
T* data_of(const TensorDesc& t) {
  return static_cast<T*>(t.data);
}

// out = fprop(in, weight) + bias
template <class T>
void fprop(Backend& backend, const ConvParams& params, const TensorDesc& in, const TensorDesc& weight,
           const TensorDesc& bias, const TensorDesc& out) {
  const ConvGeometry g = geometry(params, in, weight, out);
  const int64_t k = g.ci * g.taps();
  const FpropGemm<T> p{g.co,
                       g.n * g.ho * g.wo,
                       k,
                       0,
                       {data_of<T>(weight), k, std::max<int64_t>(k, 1), 0},
                       {data_of<T>(in), g},
                       {data_of<T>(out), data_of<T>(bias), g.co, g.ho, g.wo, {0, 0, g.ho, g.wo, 1, 1}},
                       nullptr};
  launch_gemm(backend, fprop_kernels<T>(), p);
}

// Along one dim of dgrad, the phase of residue r (see DgradPhase): its first input position of
// `size`, how many there are, and its taps of `kernel`: first, step and count.
struct PhaseAxis {
  int64_t first_pixel, pixels, first_tap, tap_step, taps;
};

PhaseAxis phase_axis(int64_t r, int64_t stride, int64_t pad, int64_t dilation, int64_t kernel, int64_t size) {
  PhaseAxis a{};
  a.first_pixel = ((r - pad) % stride + stride) % stride;
  a.pixels = a.first_pixel < size ? ceil_div(size - a.first_pixel, stride) : 0;
  a.tap_step = stride / std::gcd(stride, dilation);  // the taps with i·dilation ≡ r (mod stride) repeat with this period
  for (int64_t i = 0; i < a.tap_step; ++i)
    if (i * dilation % stride == r) {
      a.first_tap = i;
      a.taps = i < kernel ? ceil_div(kernel - i, a.tap_step) : 0;
    }
  return a;
}

// in_grad = dgrad(out_grad, weight) + bias, one GEMM per phase; A = Wᵀ: row ci, k = (co, tap).
template <class T>
void dgrad(Backend& backend, const ConvParams& params, const TensorDesc& out_grad, const TensorDesc& weight,
           const TensorDesc& bias, const TensorDesc& in_grad) {
  const ConvGeometry g = geometry(params, in_grad, weight, out_grad);
  const PassKernels<DgradGemm<T>> kernels = dgrad_kernels<T>();
  const int64_t weights = g.co * g.ci * g.taps();
  if (weights == 0) return;
  const Workspace packed(backend, static_cast<size_t>(weights) * sizeof(T));
  launch(dgrad_pack_weights<T>, dim3(grid_for(weights)), dim3(kThreadsPerBlock), 0, nullptr, data_of<T>(weight),
         packed.as<T>(), g);
  int64_t phase_start = 0;
  for (int64_t r_h = 0; r_h < g.stride_h; ++r_h)
    for (int64_t r_w = 0; r_w < g.stride_w; ++r_w) {
      const PhaseAxis y = phase_axis(r_h, g.stride_h, g.pad_top, g.dilation_h, g.kh, g.h);
      const PhaseAxis x = phase_axis(r_w, g.stride_w, g.pad_left, g.dilation_w, g.kw, g.w);
      const DgradPhase phase{{y.first_pixel, x.first_pixel, y.pixels, x.pixels, g.stride_h, g.stride_w},
                             y.first_tap, x.first_tap, y.tap_step, x.tap_step, y.taps, x.taps};
      const int64_t row = g.co * y.taps * x.taps;  // k
      const DgradGemm<T> p{g.ci,
                           g.n * y.pixels * x.pixels,
                           row,
                           0,
                           {packed.as<T>() + phase_start, row, std::max<int64_t>(row, 1), 0},
                           {data_of<T>(out_grad), g, phase},
                           {data_of<T>(in_grad), data_of<T>(bias), g.ci, g.h, g.w, phase.pixels},
                           nullptr};
      launch_gemm(backend, kernels, p);
      phase_start += g.ci * row;
    }
}

// weight_grad = wgrad(in, out_grad); A = dY: row co, k = n·Ho·Wo + q.
template <class T>
void wgrad(Backend& backend, const ConvParams& params, const TensorDesc& in, const TensorDesc& out_grad,
           const TensorDesc& weight_grad) {
  const ConvGeometry g = geometry(params, in, weight_grad, out_grad);
  const int64_t positions = g.ho * g.wo, columns = g.ci * g.taps();
  const WgradGemm<T> p{g.co,
                       columns,
                       g.n * positions,
                       0,
                       {data_of<T>(out_grad), positions, std::max<int64_t>(positions, 1), g.co * positions},
                       {data_of<T>(in), g},
                       {data_of<T>(weight_grad), columns},
                       nullptr};
  launch_gemm(backend, wgrad_kernels<T>(), p);
}

// The bias gradient: dy summed over N, H, W, by the reduce primitive.
void bias_gradient(Backend& backend, const TensorDesc& dy, const TensorDesc& dbias) {
  if (!dbias.present()) return;
  const int64_t channels = dy.shape[1];
  TensorDesc out = dbias;  // as [1, C, 1, 1], the keepdim form of the reduction
  out.ndim = 4;
  const int64_t shape[] = {1, channels, 1, 1}, strides[] = {channels, 1, 1, 1};
  std::copy(shape, shape + 4, out.shape);
  std::copy(strides, strides + 4, out.strides);
  backend.reduce(ReduceOp::Sum, out, dy, ReduceParams{});
}

}  // namespace

void CudaBackend::conv2d_fprop(const ConvParams& p, const TensorDesc& x, const TensorDesc& w, const TensorDesc& bias,
                               const TensorDesc& y) {
  dispatch_floating("conv2d_fprop", x.dtype, [&](auto t) { fprop<decltype(t)>(*this, p, x, w, bias, y); });
}
void CudaBackend::conv2d_dgrad(const ConvParams& p, const TensorDesc& dy, const TensorDesc& w, const TensorDesc& bias,
                               const TensorDesc& dx) {
  dispatch_floating("conv2d_dgrad", dy.dtype, [&](auto t) { dgrad<decltype(t)>(*this, p, dy, w, bias, dx); });
}
void CudaBackend::conv2d_wgrad(const ConvParams& p, const TensorDesc& x, const TensorDesc& dy, const TensorDesc& dw,
                               const TensorDesc& dbias) {
  dispatch_floating("conv2d_wgrad", x.dtype, [&](auto t) { wgrad<decltype(t)>(*this, p, x, dy, dw); });
  bias_gradient(*this, dy, dbias);
}

}  // namespace ganforge::kernels::GANFORGE_CUDA_NS
