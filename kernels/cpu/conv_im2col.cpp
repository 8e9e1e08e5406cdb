// cpu convolutions as GEMMs over im2col columns, a group of G samples at a time
// (K = Ci·kh·kw rows, P = Ho·Wo columns per sample):
//   fprop: Y_g [Co, G·P] = W [Co, K] · cols_g [K, G·P]
//   dgrad: cols_g = Wᵀ · DY_g, then col2im adds every column back onto its window
//   wgrad: dW += DY_g · cols_gᵀ
// G is chosen so that a group has about kMinColumns columns: DCGAN's deep layers have
// 4x4 outputs, and a per-sample GEMM with 16 columns runs far below the GEMM's peak. The
// columns are made and consumed a block of input channels at a time (channel_block), so
// they stay in L2 between the GEMM and im2col / col2im. Products with a 1- or 3-channel
// side use the register-tiled small_gemm, in place on each sample when its maps are large;
// kernels that cover the whole input (1x1 outputs) need no columns at all.
// The weight is packed into the GEMM's panels once per call, not once per group, and dgrad
// gathers each group's output gradient straight into them (cpu::PackedOperand).
// Groups run in parallel with per-thread buffers; a single group lets the GEMM use the threads.
#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "kernels/common/dtype_dispatch.h"
#include "kernels/cpu/cpu_backend.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/gemm_small.h"
#include "kernels/cpu/operand_rounding.h"
#include "kernels/cpu/parallel.h"
#include "kernels/cpu/workspace.h"

namespace ganforge::kernels {
namespace {

constexpr int64_t kMinColumns = 512;

// The underlying convolution: input [N, Ci, H, W] -> output [N, Co, Ho, Wo].
struct Geometry {
  ConvParams p;
  int64_t n, ci, h, w, co, ho, wo, kh, kw;
  int64_t k() const { return ci * kh * kw; }
  int64_t positions() const { return ho * wo; }
  // The groups that kMinColumns columns each make, evened out: 64 samples of 3x3 outputs make
  // two groups of 32, not 57 and 7 (which left one of two threads nearly idle).
  int64_t group() const {
    const int64_t samples = std::max<int64_t>(n, 1);
    const int64_t least = std::clamp<int64_t>((kMinColumns + positions() - 1) / std::max<int64_t>(positions(), 1), 1, samples);
    const int64_t groups = (samples + least - 1) / least;
    return (samples + groups - 1) / groups;
  }
};

Geometry geometry(const ConvParams& p, const TensorDesc& in, const TensorDesc& weight, const TensorDesc& out) {
  return {p, in.shape[0], in.shape[1], in.shape[2], in.shape[3], out.shape[1], out.shape[2], out.shape[3],
          weight.shape[2], weight.shape[3]};
}

// Stride-phase im2col / col2im. With stride s, tap t of output o reads input position
// o·s + t·d - pad, which lies in phase (t·d - pad) mod s. Splitting an input plane into its
// s_h·s_w phase planes (every s-th row and column) makes each output row of a tap's row of
// columns a dense, shifted slice of one phase plane: im2col becomes vector loads of
// contiguous slices and col2im vector sums of them, in place of strided gathers and a
// strided scatter-add over overlapping windows; only the split (and for col2im the merge
// back) is strided, once per input element.
// Along one axis: tap t reads phase plane phase[t] at index o + shift[t], inside that plane
// for outputs o in [lo[t], hi[t]).
struct PhaseAxis {
  int64_t stride;
  std::vector<int64_t> phase_size;            // [stride]: positions in each phase
  std::vector<int64_t> phase, shift, lo, hi;  // [kernel]
  std::vector<std::vector<int64_t>> taps;     // [stride]: the taps of each phase
};

PhaseAxis phase_axis(int64_t size, int64_t out, int64_t kernel, int64_t stride, int64_t pad, int64_t dilation) {
  PhaseAxis a{stride, {}, {}, {}, {}, {}, std::vector<std::vector<int64_t>>(static_cast<size_t>(stride))};
  for (int64_t r = 0; r < stride; ++r) a.phase_size.push_back(size > r ? (size - r + stride - 1) / stride : 0);
  for (int64_t t = 0; t < kernel; ++t) {
    const int64_t position = t * dilation - pad;  // that of output 0
    const int64_t r = (position % stride + stride) % stride, shift = (position - r) / stride;
    const int64_t hi = std::clamp<int64_t>(a.phase_size[static_cast<size_t>(r)] - shift, 0, out);
    a.phase.push_back(r);
    a.shift.push_back(shift);
    a.lo.push_back(std::min(std::max<int64_t>(-shift, 0), hi));
    a.hi.push_back(hi);
    a.taps[static_cast<size_t>(r)].push_back(t);
  }
  return a;
}

// im2col / col2im of one geometry, a channel at a time; `scratch` holds one channel's phase
// planes (H·W elements) and is unused when both strides are 1 (the plane is its own phase).
template <class T>
class Unfolder {
 public:
  explicit Unfolder(const Geometry& g)
      : g_(g),
        rows_(phase_axis(g.h, g.ho, g.kh, g.p.stride_h, g.p.pad_top, g.p.dilation_h)),
        cols_(phase_axis(g.w, g.wo, g.kw, g.p.stride_w, g.p.pad_left, g.p.dilation_w)),
        strided_(g.p.stride_h > 1 || g.p.stride_w > 1) {
    int64_t offset = 0;
    for (int64_t rh = 0; rh < rows_.stride; ++rh)
      for (int64_t rw = 0; rw < cols_.stride; ++rw) {
        plane_offset_.push_back(offset);
        offset += rows_.phase_size[static_cast<size_t>(rh)] * cols_.phase_size[static_cast<size_t>(rw)];
      }
    plan_unfold();
    plan_fold();
  }

  // Writes channels [c_begin, c_end) of sample `in` (one [Ci, H, W] image) as columns
  // [column, column + P) of the matrix `cols` (row length ld, row 0 the first tap of channel
  // c_begin); taps that fall on padding become 0. Each vector-sized piece of a row of the
  // columns is gathered from its output rows' phase-plane slices (masked loads into disjoint
  // lanes) and stored once, following a plan made once per geometry: one piece covers
  // several of the 4- and 8-wide output rows of DCGAN's deep layers.
  void unfold(const T* in, T* cols, int64_t ld, int64_t column, T* scratch, int64_t c_begin, int64_t c_end) const {
    const int64_t taps = g_.kh * g_.kw;
    unfold_pieces(in, scratch, c_begin, c_end, [&](int64_t c, const Piece& piece, const cpu::Vector64<T>& v) {
      cpu::store_first(cols + ((c - c_begin) * taps + piece.tap) * ld + column + piece.offset, v, piece.count);
    });
  }

  // The same columns written as the GEMM's B panels (cpu::PackedOperand: kGemmTileCols columns
  // each, `rows` rows, row 0 the first tap of channel c_begin), so the GEMM packs nothing:
  // the implicit im2col of a direct convolution, one copy of the columns instead of two.
  void unfold_panels(const T* in, T* panels, int64_t rows, int64_t column, T* scratch, int64_t c_begin,
                     int64_t c_end) const {
    constexpr int64_t NR = cpu::kGemmTileCols<T>;
    const int64_t taps = g_.kh * g_.kw;
    unfold_pieces(in, scratch, c_begin, c_end, [&](int64_t c, const Piece& piece, const cpu::Vector64<T>& v) {
      const int64_t row = (c - c_begin) * taps + piece.tap, col = column + piece.offset, lane = col % NR;
      T* dst = panels + col / NR * NR * rows + row * NR + lane;
      if (lane + piece.count <= NR) {
        cpu::store_first(dst, v, piece.count);
      } else {  // the piece runs on into the next panel's row
        cpu::store_first(dst, v, NR - lane);
        cpu::store_lanes(dst + NR * rows - NR, v, NR - lane, piece.count);
      }
    });
  }

  // The adjoint of unfold: sums columns [column, column + P) onto their windows and writes
  // the result as channels [c_begin, c_end) of the image `in_grad` (overwriting them).
  // Each vector-sized piece of a phase-plane row is summed over its taps in a register and
  // stored once, following a plan made once per geometry: accumulating tap by
  // tap in memory would reload, shifted by one element, what the previous tap just stored,
  // which defeats store-to-load forwarding.
  void fold(const T* cols, int64_t ld, int64_t column, T* in_grad, T* scratch, int64_t c_begin, int64_t c_end) const {
    const int64_t taps = g_.kh * g_.kw;
    for (int64_t c = c_begin; c < c_end; ++c) {
      T* plane = in_grad + c * g_.h * g_.w;
      T* phases = strided_ ? scratch : plane;
      const T* channel = cols + (c - c_begin) * taps * ld + column;
      const Term* term = fold_terms_.data();
      for (const Piece& piece : fold_pieces_) {
        cpu::Vector64<T> sum = {};
        for (const Term* end = term + piece.terms; term != end; ++term)
          cpu::add_lanes(sum, channel + term->tap * ld + term->source, term->lo, term->hi);
        cpu::store_first(phases + piece.offset, sum, piece.count);
      }
      if (strided_) convert_phases<true>(plane, scratch);
    }
  }

 private:
  // Gathers every piece of channels [c_begin, c_end) of `in` and hands it to store(c, piece, v).
  template <class Store>
  void unfold_pieces(const T* in, T* scratch, int64_t c_begin, int64_t c_end, Store&& store) const {
    for (int64_t c = c_begin; c < c_end; ++c) {
      const T* plane = in + c * g_.h * g_.w;
      if (strided_) convert_phases<false>(plane, scratch);
      const T* phases = strided_ ? scratch : plane;
      const Term* term = unfold_terms_.data();
      for (const Piece& piece : unfold_pieces_) {
        cpu::Vector64<T> v = {};
        for (const Term* end = term + piece.terms; term != end; ++term)
          cpu::add_lanes(v, phases + term->source, term->lo, term->hi);
        store(c, piece, v);
      }
    }
  }

  // Splits one H x W plane into its phase planes at `phases` (kMerge: the reverse).
  template <bool kMerge, class Image>
  void convert_phases(Image* plane, T* phases) const {
    auto move = [](Image& image, T& phase) {
      if constexpr (kMerge) image = phase; else phase = image;
    };
    const int64_t sw = cols_.stride;
    for (int64_t ih = 0; ih < g_.h; ++ih) {
      const int64_t rh = ih % rows_.stride, a = ih / rows_.stride;
      Image* row = plane + ih * g_.w;
      auto phase_row = [&](int64_t rw) {
        const size_t r = static_cast<size_t>(rw);
        return phases + plane_offset_[static_cast<size_t>(rh * sw) + r] + a * cols_.phase_size[r];
      };
      if (sw == 2) {  // DCGAN's stride: an even/odd (de)interleave g++ vectorises
        T* even = phase_row(0);
        T* odd = phase_row(1);
        for (int64_t b = 0; b < g_.w / 2; ++b) {
          move(row[2 * b], even[b]);
          move(row[2 * b + 1], odd[b]);
        }
        if (g_.w % 2 != 0) move(row[g_.w - 1], even[g_.w / 2]);
      } else {
        for (int64_t iw = 0; iw < g_.w; ++iw) move(row[iw], phase_row(iw % sw)[iw / sw]);
      }
    }
  }

  // A plan: `pieces` in order, each the sum of its next `terms` terms. A term loads lanes
  // [lo, hi) from `source` on (an index into the phase planes, or into tap row `tap` of the
  // columns for folding); a piece stores `count` lanes at `offset` (into tap row `tap` of
  // the columns, or into the phase planes for folding).
  struct Piece {
    int64_t tap, offset, count, terms;
  };
  struct Term {
    int64_t tap, source, lo, hi;
  };

  // The phase-plane index of output (oh, ow) of tap (i, j), for oh, ow inside the plane.
  int64_t phase_index(size_t i, size_t j, int64_t oh, int64_t ow) const {
    const int64_t width = cols_.phase_size[static_cast<size_t>(cols_.phase[j])];
    return plane_offset_[static_cast<size_t>(rows_.phase[i] * cols_.stride + cols_.phase[j])] +
           (oh + rows_.shift[i]) * width + ow + cols_.shift[j];
  }

  // Each piece of a tap's row of columns (positions q0 + [0, lanes)) gathers the slice of
  // every output row it meets that lies inside the phase plane.
  void plan_unfold() {
    constexpr int64_t kLanes = cpu::kVectorLanes<T>;
    for (size_t i = 0; i < static_cast<size_t>(g_.kh); ++i)
      for (size_t j = 0; j < static_cast<size_t>(g_.kw); ++j)
        for (int64_t q0 = 0; q0 < g_.positions(); q0 += kLanes) {
          const int64_t count = std::min(kLanes, g_.positions() - q0);
          const size_t first = unfold_terms_.size();
          for (int64_t oh = q0 / g_.wo; oh * g_.wo < q0 + count; ++oh) {
            if (oh < rows_.lo[i] || oh >= rows_.hi[i]) continue;
            const int64_t ow_lo = std::max(cols_.lo[j], q0 - oh * g_.wo);
            const int64_t ow_hi = std::min(cols_.hi[j], q0 + count - oh * g_.wo);
            if (ow_lo < ow_hi)
              unfold_terms_.push_back(
                  {0, phase_index(i, j, oh, ow_lo), oh * g_.wo + ow_lo - q0, oh * g_.wo + ow_hi - q0});
          }
          unfold_pieces_.push_back({static_cast<int64_t>(i) * g_.kw + static_cast<int64_t>(j), q0, count,
                                    static_cast<int64_t>(unfold_terms_.size() - first)});
        }
  }

  // Each piece of a phase-plane row (elements b + [0, lanes) of row a) sums, over the taps of
  // that phase, the slice of the tap's row of columns that lands on it.
  void plan_fold() {
    constexpr int64_t kLanes = cpu::kVectorLanes<T>;
    for (int64_t rh = 0; rh < rows_.stride; ++rh)
      for (int64_t rw = 0; rw < cols_.stride; ++rw) {
        const int64_t width = cols_.phase_size[static_cast<size_t>(rw)];
        for (int64_t a = 0; a < rows_.phase_size[static_cast<size_t>(rh)]; ++a)
          for (int64_t b = 0; b < width; b += kLanes) {
            const size_t first = fold_terms_.size();
            for (int64_t i : rows_.taps[static_cast<size_t>(rh)]) {
              const int64_t oh = a - rows_.shift[static_cast<size_t>(i)];
              if (oh < 0 || oh >= g_.ho) continue;
              for (int64_t j : cols_.taps[static_cast<size_t>(rw)]) {
                // lane l holds ow = b + l - shift, those inside [0, Wo)
                const int64_t shift = cols_.shift[static_cast<size_t>(j)];
                const int64_t lo = std::max<int64_t>(shift - b, 0), hi = std::min(kLanes, shift + g_.wo - b);
                if (lo < hi) fold_terms_.push_back({i * g_.kw + j, oh * g_.wo + b + lo - shift, lo, hi});
              }
            }
            fold_pieces_.push_back({0, plane_offset_[static_cast<size_t>(rh * cols_.stride + rw)] + a * width + b,
                                    std::min(kLanes, width - b), static_cast<int64_t>(fold_terms_.size() - first)});
          }
      }
  }

  const Geometry& g_;
  PhaseAxis rows_, cols_;
  bool strided_;
  std::vector<int64_t> plane_offset_;  // [s_h·s_w]: where each phase plane starts in scratch
  std::vector<Piece> unfold_pieces_, fold_pieces_;
  std::vector<Term> unfold_terms_, fold_terms_;
};

// Row-major matrix operand of a GEMM; `transposed` reads it as its transpose.
MatrixDesc matrix(const void* data, int64_t ld, bool transposed = false) {
  return transposed ? MatrixDesc{const_cast<void*>(data), 0, 1, ld} : MatrixDesc{const_cast<void*>(data), 0, ld, 1};
}

template <class T>
GemmDesc gemm_desc(int64_t m, int64_t n, int64_t k, MatrixDesc a, MatrixDesc b, MatrixDesc c, double beta) {
  GemmDesc d;
  d.dtype = std::is_same_v<T, float> ? DType::F32 : DType::F64;
  d.m = m;
  d.n = n;
  d.k = k;
  d.a = a;
  d.b = b;
  d.c = c;
  d.beta = beta;
  return d;
}

template <class T>
void gemm(int64_t m, int64_t n, int64_t k, MatrixDesc a, MatrixDesc b, MatrixDesc c, double beta) {
  cpu::gemm_unbatched(gemm_desc<T>(m, n, k, a, b, c, beta));
}

int64_t round_up(int64_t size, int64_t multiple) { return (size + multiple - 1) / multiple * multiple; }

// The weight as the GEMM's A panels, packed once per call for every group of samples (each
// group repacked it: 2-5% of a convolution), in the calling thread's workspace. For fprop, W
// [Co, K] a block of `block` input channels at a time, each block's panels contiguous: panels
// over all of K lie kGemmTileRows·K elements apart, and a GEMM walking 64 of them 128 KiB
// apart (DCGAN's 256 -> 512 layer) evicts them from L2's sets. Block c0's panels start at
// c0·taps·rows_padded.
template <class T>
const T* packed_weight_blocks(const Geometry& g, const T* weight, int64_t block) {
  const int64_t k = g.k(), taps = g.kh * g.kw, rows = round_up(g.co, cpu::kGemmTileRows);
  T* panels = cpu::thread_workspace<T>(cpu::WorkspaceSlot::kPackedWeight, rows * k);
  for (int64_t c0 = 0; c0 < g.ci; c0 += block)
    cpu::pack_gemm_a<T>(g.co, (std::min(g.ci, c0 + block) - c0) * taps, matrix(weight + c0 * taps, k),
                        panels + rows * c0 * taps);
  return panels;
}

// For dgrad, Wᵀ [K, Co], whose blocks of rows are runs of whole panels.
template <class T>
cpu::PackedOperand<T> packed_weight_transposed(const Geometry& g, const T* weight) {
  const int64_t k = g.k();
  T* panels = cpu::thread_workspace<T>(cpu::WorkspaceSlot::kPackedWeight, round_up(k, cpu::kGemmTileRows) * g.co);
  cpu::pack_gemm_a<T>(k, g.co, matrix(weight, k, true), panels);
  return {panels, cpu::kGemmTileRows * g.co};
}

// The products with a 1- or 3-channel side go through small_gemm, the rest through the
// packed GEMM, both over groups of samples (Geometry::group) gathered into one matrix. A
// small product whose samples have enough positions to fill its register tiles runs one
// sample at a time instead, reading the sample's input and writing its output in place (no
// gather, no copy).
constexpr int64_t kInPlacePositions = 64;

// A kernel that covers the whole unpadded input (DCGAN's 4x4 -> 1x1 discriminator head and,
// transposed, the generator's 1x1 -> 4x4 first layer) unfolds each sample into exactly its
// image: the columns are the input read as [N, K], so each routine is one GEMM on the
// tensors in place, over the whole batch. Its threads take slices of the batch, each slice one
// single-threaded GEMM, rather than splitting these thin products (64 x 100 x 8192) inside one.
bool unfold_is_identity(const Geometry& g) {
  return g.ho == 1 && g.wo == 1 && g.kh == g.h && g.kw == g.w && g.p.pad_top == 0 && g.p.pad_left == 0 &&
         (g.p.dilation_h == 1 || g.kh == 1) && (g.p.dilation_w == 1 || g.kw == 1);
}

// Calls f(begin, end) on slices of [0, n), one per thread once the product has `flops` >=
// 1e8 (where cpu::gemm_unbatched would take a second thread), else f(0, n).
template <class F>
void for_each_slice(int64_t n, int64_t flops, F&& f) {
  if (flops < 100'000'000)
    f(int64_t{0}, n);
  else
    cpu::parallel_for(n, cpu::kMinWorkPerThread, f);
}

bool small_product(const Geometry& g) { return std::min(g.co, g.k()) <= cpu::kSmallGemmDim; }
bool in_place(const Geometry& g) { return small_product(g) && g.positions() >= kInPlacePositions; }

// Calls f(first_sample, samples, buffer) for every group of `group` samples, spreading groups
// over threads; each thread's buffer holds `buffer_size` elements.
template <class T, class F>
void for_each_group(const Geometry& g, int64_t group, int64_t buffer_size, F&& f) {
  const int64_t groups = (g.n + group - 1) / group;
  const int64_t flops = 2 * g.co * g.k() * group * g.positions();
  cpu::parallel_for(groups, flops / 16, [&](int64_t begin, int64_t end) {
    T* buffer = cpu::thread_workspace<T>(cpu::WorkspaceSlot::kColumns, buffer_size);
    for (int64_t index = begin; index < end; ++index) {
      const int64_t first = index * group;
      f(first, std::min(group, g.n - first), buffer);
    }
  });
}

// Copies samples [first, first + samples) of out_grad [N, Co, P] into `gathered` as the
// matrix [Co, samples·P] with row length ld.
template <class T>
void gather_group(const Geometry& g, const T* out_grad, int64_t first, int64_t samples, int64_t ld, T* gathered) {
  const int64_t positions = g.positions();
  for (int64_t s = 0; s < samples; ++s)
    for (int64_t c = 0; c < g.co; ++c) {
      const T* src = out_grad + ((first + s) * g.co + c) * positions;
      std::copy(src, src + positions, gathered + c * ld + s * positions);
    }
}

// Zeroes the columns past `columns` of the last of the GEMM's B panels (`rows` rows each).
template <class T>
void zero_panel_padding(T* panels, int64_t rows, int64_t columns) {
  constexpr int64_t NR = cpu::kGemmTileCols<T>;
  if (const int64_t lane = columns % NR; lane != 0)
    for (int64_t r = 0; r < rows; ++r) std::fill_n(panels + columns / NR * NR * rows + r * NR + lane, NR - lane, T(0));
}

// The same matrix as the GEMM's B panels (PackedOperand: kGemmTileCols columns each, over
// all Co rows), with the columns past samples·P zeroed.
template <class T>
void gather_group_panels(const Geometry& g, const T* out_grad, int64_t first, int64_t samples, T* panels) {
  constexpr int64_t NR = cpu::kGemmTileCols<T>;
  const int64_t positions = g.positions(), panel_size = NR * g.co;
  for (int64_t s = 0; s < samples; ++s)
    for (int64_t c = 0; c < g.co; ++c) {
      const T* src = out_grad + ((first + s) * g.co + c) * positions;
      for (int64_t q = 0, j = s * positions; q < positions;) {  // runs of the row that fall in one panel
        const int64_t lane = j % NR, run = std::min(NR - lane, positions - q);
        std::copy_n(src + q, run, panels + j / NR * panel_size + c * NR + lane);
        q += run;
        j += run;
      }
    }
  zero_panel_padding(panels, g.co, samples * positions);
}

template <class T>
void add_bias(const TensorDesc& bias, T* out, int64_t channels, int64_t positions) {
  if (!bias.present()) return;
  const T* b = static_cast<const T*>(bias.data);
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t q = 0; q < positions; ++q) out[c * positions + q] += b[c];
}

// The grouped products run over blocks of input channels. For fprop and dgrad a
// block's rows of the columns (about kColumnBlockBytes) stay in L2 between the GEMM and the
// unfold / fold; the whole column matrix of a deep layer is 4 MiB (DCGAN's 128->256 layer:
// 2048 x 512). The weight gradient only streams its columns into the GEMM's packing, which
// repacks the output gradient for every block: there blocks of kWgradBlockRows rows (2 MiB at
// 512 columns) measured 5-25% faster than L2-sized ones, and no better unblocked.
constexpr int64_t kColumnBlockBytes = 256 << 10, kWgradBlockRows = 1024;

template <class T>
int64_t channel_block(const Geometry& g, int64_t columns) {
  return std::clamp<int64_t>(kColumnBlockBytes / static_cast<int64_t>(g.kh * g.kw * columns * sizeof(T)), 1, g.ci);
}

// out = fprop(in, weight) + bias
template <class T>
void fprop(const Geometry& g, const T* in, const T* weight, const TensorDesc& bias, T* out) {
  if (unfold_is_identity(g)) {  // out [N, Co] = in [N, K] · Wᵀ, a slice of samples per thread
    const int64_t k = g.k();
    for_each_slice(g.n, 2 * g.n * g.co * k, [&](int64_t begin, int64_t end) {
      gemm<T>(end - begin, g.co, k, matrix(in + begin * k, k), matrix(weight, k, true), matrix(out + begin * g.co, g.co),
              0);
      for (int64_t s = begin; s < end; ++s) add_bias(bias, out + s * g.co, g.co, 1);
    });
    return;
  }
  const bool small = small_product(g), one = in_place(g);
  const int64_t k = g.k(), taps = g.kh * g.kw, positions = g.positions(), image = g.ci * g.h * g.w;
  const int64_t group = one ? 1 : g.group(), columns = group * positions;
  const int64_t block = small ? g.ci : channel_block<T>(g, columns);
  const Unfolder<T> unfolder(g);
  // the packed GEMM's columns are its B panels, padded to whole panels
  const int64_t padded_columns = small ? columns : round_up(columns, cpu::kGemmTileCols<T>);
  const int64_t buffer_size = block * taps * padded_columns + (one ? 0 : g.co * columns) + g.h * g.w;
  const T* weight_panels = small ? nullptr : packed_weight_blocks(g, weight, block);
  for_each_group<T>(g, group, buffer_size, [&](int64_t first, int64_t samples, T* buffer) {
    T* cols = buffer;
    T* scratch = buffer + buffer_size - g.h * g.w;
    if (one) {
      unfolder.unfold(in + first * image, cols, positions, 0, scratch, 0, g.ci);
      cpu::small_gemm<T>(g.co, positions, k, weight, k, 1, cols, positions, out + first * g.co * positions, positions);
      add_bias(bias, out + first * g.co * positions, g.co, positions);
      return;
    }
    T* product = buffer + block * taps * padded_columns;
    for (int64_t c0 = 0; c0 < g.ci; c0 += block) {
      const int64_t c1 = std::min(g.ci, c0 + block), rows = (c1 - c0) * taps;
      if (small) {  // a single block
        for (int64_t s = 0; s < samples; ++s)
          unfolder.unfold(in + (first + s) * image, cols, columns, s * positions, scratch, c0, c1);
        cpu::small_gemm<T>(g.co, samples * positions, k, weight, k, 1, cols, columns, product, columns);
        continue;
      }
      for (int64_t s = 0; s < samples; ++s)
        unfolder.unfold_panels(in + (first + s) * image, cols, rows, s * positions, scratch, c0, c1);
      zero_panel_padding(cols, rows, samples * positions);
      cpu::gemm_prepacked<T>(gemm_desc<T>(g.co, samples * positions, rows, {}, {}, matrix(product, columns),
                                          c0 == 0 ? 0 : 1),
                             {weight_panels + round_up(g.co, cpu::kGemmTileRows) * c0 * taps, cpu::kGemmTileRows * rows},
                             {cols, cpu::kGemmTileCols<T> * rows});
    }
    for (int64_t s = 0; s < samples; ++s) {
      T* dst = out + (first + s) * g.co * positions;
      for (int64_t c = 0; c < g.co; ++c)
        std::copy(product + c * columns + s * positions, product + c * columns + (s + 1) * positions, dst + c * positions);
      add_bias(bias, dst, g.co, positions);
    }
  });
}

// in_grad = dgrad(out_grad, weight) + bias
template <class T>
void dgrad(const Geometry& g, const T* out_grad, const T* weight, const TensorDesc& bias, T* in_grad) {
  if (unfold_is_identity(g)) {  // in_grad [N, K] = out_grad [N, Co] · W, a slice of samples per thread
    const int64_t k = g.k();
    for_each_slice(g.n, 2 * g.n * g.co * k, [&](int64_t begin, int64_t end) {
      gemm<T>(end - begin, k, g.co, matrix(out_grad + begin * g.co, g.co), matrix(weight, k), matrix(in_grad + begin * k, k),
              0);
      for (int64_t s = begin; s < end; ++s) add_bias(bias, in_grad + s * k, g.ci, g.h * g.w);
    });
    return;
  }
  const bool small = small_product(g), one = in_place(g);
  const int64_t k = g.k(), taps = g.kh * g.kw, positions = g.positions(), image = g.ci * g.h * g.w;
  const int64_t group = one ? 1 : g.group(), columns = group * positions;
  // a block's rows of Wᵀ start on a panel of the packed weight: whole panels of tile rows
  const int64_t whole_panels = cpu::kGemmTileRows / std::gcd(taps, cpu::kGemmTileRows);
  const int64_t block = small ? g.ci : std::min(g.ci, round_up(channel_block<T>(g, columns), whole_panels));
  const Unfolder<T> unfolder(g);
  const int64_t gathered_size = small ? g.co * columns : g.co * round_up(columns, cpu::kGemmTileCols<T>);
  const int64_t buffer_size = block * taps * columns + (one ? 0 : gathered_size) + g.h * g.w;
  const cpu::PackedOperand<T> weight_panels = small ? cpu::PackedOperand<T>{} : packed_weight_transposed(g, weight);
  for_each_group<T>(g, group, buffer_size, [&](int64_t first, int64_t samples, T* buffer) {
    T* cols = buffer;
    T* scratch = buffer + buffer_size - g.h * g.w;
    if (one) {
      cpu::small_gemm<T>(k, positions, g.co, weight, 1, k, out_grad + first * g.co * positions, positions, cols,
                         positions);
      unfolder.fold(cols, positions, 0, in_grad + first * image, scratch, 0, g.ci);
    } else {
      T* gathered = buffer + block * taps * columns;
      if (small)
        gather_group(g, out_grad, first, samples, columns, gathered);
      else
        gather_group_panels(g, out_grad, first, samples, gathered);
      const cpu::PackedOperand<T> gathered_panels{gathered, cpu::kGemmTileCols<T> * g.co};
      for (int64_t c0 = 0; c0 < g.ci; c0 += block) {
        const int64_t c1 = std::min(g.ci, c0 + block);
        if (small)  // a single block
          cpu::small_gemm<T>(k, samples * positions, g.co, weight, 1, k, gathered, columns, cols, columns);
        else
          cpu::gemm_prepacked<T>(gemm_desc<T>((c1 - c0) * taps, samples * positions, g.co, {}, {},
                                              matrix(cols, columns), 0),
                                 {weight_panels.data + c0 * taps / cpu::kGemmTileRows * weight_panels.stride,
                                  weight_panels.stride},
                                 gathered_panels);
        for (int64_t s = 0; s < samples; ++s)
          unfolder.fold(cols, columns, s * positions, in_grad + (first + s) * image, scratch, c0, c1);
      }
    }
    for (int64_t s = 0; s < samples; ++s) add_bias(bias, in_grad + (first + s) * image, g.ci, g.h * g.w);
  });
}

// weight_grad = wgrad(in, out_grad): the groups are split into one slice per thread. The
// first thread sums straight into weight_grad, each other one into its own partial weight
// gradient (in its workspace, which outlives the parallel region: OpenMP keeps its threads),
// and the partials are added at the end.
template <class T>
void wgrad(const Geometry& g, const T* in, const T* out_grad, T* weight_grad) {
  const int64_t k = g.k();
  if (unfold_is_identity(g)) {  // weight_grad [Co, K] = out_gradᵀ · in [N, K], a slice of K per thread
    for_each_slice(k, 2 * g.n * g.co * k, [&](int64_t begin, int64_t end) {
      gemm<T>(g.co, end - begin, g.n, matrix(out_grad, g.co, true), matrix(in + begin, k), matrix(weight_grad + begin, k),
              0);
    });
    return;
  }
  const int64_t taps = g.kh * g.kw, positions = g.positions(), columns = g.group() * positions;
  const int64_t groups = (g.n + g.group() - 1) / g.group();
  if (groups == 0) {
    std::fill(weight_grad, weight_grad + g.co * k, T(0));
    return;
  }
  const int64_t block = std::clamp<int64_t>((kWgradBlockRows + taps - 1) / taps, 1, g.ci);
  const int64_t flops = 2 * g.co * k * columns * groups;
  const int64_t slices = std::clamp<int64_t>(flops / (16 * cpu::kMinWorkPerThread), 1, std::min<int64_t>(groups, cpu::max_threads()));
  std::vector<T*> partials(static_cast<size_t>(slices), nullptr);
  const Unfolder<T> unfolder(g);
  cpu::parallel_for(slices, cpu::kMinWorkPerThread, [&](int64_t begin, int64_t end) {
    T* cols = cpu::thread_workspace<T>(cpu::WorkspaceSlot::kColumns, block * taps * columns + g.co * columns + g.h * g.w);
    T* gathered = cols + block * taps * columns;
    T* scratch = gathered + g.co * columns;
    T* sum = begin == 0 ? weight_grad : cpu::thread_workspace<T>(cpu::WorkspaceSlot::kPartialSum, g.co * k);
    partials[static_cast<size_t>(begin)] = sum;
    const int64_t first_group = groups * begin / slices;
    for (int64_t index = first_group; index < groups * end / slices; ++index) {
      const int64_t first = index * g.group(), samples = std::min(g.group(), g.n - first);
      gather_group(g, out_grad, first, samples, columns, gathered);
      for (int64_t c0 = 0; c0 < g.ci; c0 += block) {
        const int64_t c1 = std::min(g.ci, c0 + block);
        for (int64_t s = 0; s < samples; ++s)
          unfolder.unfold(in + (first + s) * g.ci * g.h * g.w, cols, columns, s * positions, scratch, c0, c1);
        gemm<T>(g.co, (c1 - c0) * taps, samples * positions, matrix(gathered, columns), matrix(cols, columns, true),
                matrix(sum + c0 * taps, k), index == first_group ? 0 : 1);
      }
    }
  });
  for (size_t t = 1; t < partials.size(); ++t)
    if (const T* partial = partials[t])
      for (int64_t e = 0; e < g.co * k; ++e) weight_grad[e] += partial[e];
}

template <class T>
void bias_gradient(const TensorDesc& dy, const TensorDesc& dbias) {
  if (!dbias.present()) return;
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

}  // namespace

// The GEMM rows of each pass, which decide whether it follows the math mode (math_mode.h), are
// fprop's and wgrad's output channels and dgrad's input channels. onednn's fallbacks to these
// do not follow it (follows_math).
void CpuBackend::conv2d_fprop(const ConvParams& p, const TensorDesc& x_in, const TensorDesc& w_in, const TensorDesc& bias,
                              const TensorDesc& y) {
  const bool follows = follows_math() && conv_follows_math(w_in.shape[0]);
  const TensorDesc x = cpu::operand_for_math(x_in, cpu::WorkspaceSlot::kRoundedFirst, follows);
  const TensorDesc w = cpu::operand_for_math(w_in, cpu::WorkspaceSlot::kRoundedSecond, follows);
  dispatch_floating("conv2d_fprop", x.dtype, [&](auto t) {
    using T = decltype(t);
    fprop<T>(geometry(p, x, w, y), typed<const T>(x), typed<const T>(w), bias, typed<T>(y));
  });
}

void CpuBackend::conv2d_dgrad(const ConvParams& p, const TensorDesc& dy_in, const TensorDesc& w_in, const TensorDesc& bias,
                              const TensorDesc& dx) {
  const bool follows = follows_math() && conv_follows_math(w_in.shape[1]);
  const TensorDesc dy = cpu::operand_for_math(dy_in, cpu::WorkspaceSlot::kRoundedFirst, follows);
  const TensorDesc w = cpu::operand_for_math(w_in, cpu::WorkspaceSlot::kRoundedSecond, follows);
  dispatch_floating("conv2d_dgrad", dy.dtype, [&](auto t) {
    using T = decltype(t);
    dgrad<T>(geometry(p, dx, w, dy), typed<const T>(dy), typed<const T>(w), bias, typed<T>(dx));
  });
}

void CpuBackend::conv2d_wgrad(const ConvParams& p, const TensorDesc& x_in, const TensorDesc& dy_in, const TensorDesc& dw,
                              const TensorDesc& dbias) {
  const bool follows = follows_math() && conv_follows_math(dw.shape[0]);
  const TensorDesc x = cpu::operand_for_math(x_in, cpu::WorkspaceSlot::kRoundedFirst, follows);
  const TensorDesc dy = cpu::operand_for_math(dy_in, cpu::WorkspaceSlot::kRoundedSecond, follows);
  dispatch_floating("conv2d_wgrad", x.dtype, [&](auto t) {
    using T = decltype(t);
    wgrad<T>(geometry(p, x, dw, dy), typed<const T>(x), typed<const T>(dy), typed<T>(dw));
    bias_gradient<T>(dy_in, dbias);
  });
}

}  // namespace ganforge::kernels
