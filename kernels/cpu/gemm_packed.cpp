// cpu GEMM by packed panels: Goto's algorithm, with the loop nest of BLIS.
//   for each block of C's columns (32 panels)
//     for each slice of k: pack that block of B into panels kTileCols wide
//       for each block of A's rows: pack it into panels kTileRows tall
//         for each B panel, for each A panel: the micro-kernel on one tile of C
// The micro-kernel keeps a kTileRows x kTileCols tile of C in registers (8 x 32 f32 under
// AVX-512: 16 accumulators of 16 lanes, enough to cover the FMA latency) and per step of k
// loads two vectors of the B panel and broadcasts 8 values of the A panel for 16 FMAs. A B
// panel stays in L1 while the A panels of a block stream from L2; the block sizes come from
// the caches the CPU reports (gemm_blocking). Panels are zero-padded to whole tiles, so the
// kernel has no edge cases; edge tiles and a C without unit column stride go through a
// tile-sized buffer.
// Packing reads every operand through its strides, so transposed views cost no copy.
// Measured against oneDNN's sgemm and Eigen in bench/bench_gemm.cpp; 8 x 32 tiles and these
// blocks measured best of 14 x 32, 12 x 32 and 8 x 32 tiles and of blocks half or twice these.
#include <unistd.h>

#include <algorithm>
#include <type_traits>
#include <utility>

#include "kernels/cpu/cpu_backend.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/gemm_dot.h"
#include "kernels/cpu/gemm_small.h"
#include "kernels/cpu/map.h"
#include "kernels/cpu/operand_rounding.h"
#include "kernels/cpu/parallel.h"
#include "kernels/cpu/vector_masked.h"
#include "kernels/cpu/vector_transpose.h"
#include "kernels/cpu/workspace.h"

namespace ganforge::kernels {
namespace {

constexpr int kTileRows = static_cast<int>(cpu::kGemmTileRows);

template <class T>
constexpr int64_t kTileCols = cpu::kGemmTileCols<T>;

static_assert(kTileRows <= cpu::kVectorLanes<double>, "pack_a transposes an A panel within one square block");

constexpr int64_t kShallowDepth = 16;  // fewer steps of k than this: walk C along its rows (below)

// An m x n operand: element (i, j) at data[i·rows + j·cols].
template <class T>
struct Strided {
  T* data;
  int64_t rows, cols;
  T* at(int64_t i, int64_t j) const { return data + i * rows + j * cols; }
};

// Packs the m x depth block of A at `a` as panels of kTileRows rows: element (i, p) of
// panel r lands at packed[r·panel_stride + p·kTileRows + i] (panel_stride >= kTileRows·depth);
// rows past m are 0.
template <class T>
void pack_a(int64_t m, int64_t depth, Strided<const T> a, T* packed, int64_t panel_stride) {
  for (int64_t i0 = 0; i0 < m; i0 += kTileRows, packed += panel_stride) {
    const int64_t rows = std::min<int64_t>(kTileRows, m - i0);
    if (a.rows == 1 && rows == kTileRows) {  // a column of the panel is contiguous in A
      for (int64_t p = 0; p < depth; ++p)
        for (int64_t i = 0; i < kTileRows; ++i) packed[p * kTileRows + i] = *a.at(i0 + i, p);
      continue;
    }
    int64_t p0 = 0;
    if (a.cols == 1 && rows == kTileRows) {  // rows contiguous in A: transpose lanes x lanes blocks
      constexpr int64_t kLanes = cpu::kVectorLanes<T>;
      for (; p0 + kLanes <= depth; p0 += kLanes) {
        cpu::Vector64<T> block[kLanes] = {};
        for (int64_t i = 0; i < kTileRows; ++i) __builtin_memcpy(&block[i], a.at(i0 + i, p0), sizeof(block[i]));
        cpu::transpose_square<T>(block);
        for (int64_t p = 0; p < kLanes; ++p)
          __builtin_memcpy(packed + (p0 + p) * kTileRows, &block[p], kTileRows * sizeof(T));
      }
    }
    for (int64_t i = 0; i < kTileRows; ++i)  // row by row, reading each row of A in order
      for (int64_t p = p0; p < depth; ++p) packed[p * kTileRows + i] = i < rows ? *a.at(i0 + i, p) : T(0);
  }
}

// Packs the depth x n block of B at `b` as panels of kTileCols columns: element (p, j) of
// panel r lands at packed[r·kTileCols·depth + p·kTileCols + j]; columns past n are 0.
template <class T>
void pack_b(int64_t depth, int64_t n, Strided<const T> b, T* packed) {
  constexpr int64_t NR = kTileCols<T>;
  for (int64_t j0 = 0; j0 < n; j0 += NR, packed += NR * depth) {
    const int64_t cols = std::min(NR, n - j0);
    if (b.cols == 1 && cols == NR) {  // a row of the panel is contiguous in B
      for (int64_t p = 0; p < depth; ++p) std::copy_n(b.at(p, j0), NR, packed + p * NR);
      continue;
    }
    int64_t p0 = 0;
    if (b.rows == 1 && cols == NR) {  // columns contiguous in B: transpose lanes x lanes blocks
      constexpr int64_t kLanes = cpu::kVectorLanes<T>;
      for (; p0 + kLanes <= depth; p0 += kLanes)
        for (int64_t half = 0; half < NR; half += kLanes) {
          cpu::Vector64<T> block[kLanes];
          for (int64_t j = 0; j < kLanes; ++j) __builtin_memcpy(&block[j], b.at(p0, j0 + half + j), sizeof(block[j]));
          cpu::transpose_square<T>(block);
          for (int64_t p = 0; p < kLanes; ++p)
            __builtin_memcpy(packed + (p0 + p) * NR + half, &block[p], sizeof(block[p]));
        }
    }
    for (int64_t j = 0; j < NR; ++j)  // column by column, reading each column of B in order
      for (int64_t p = p0; p < depth; ++p) packed[p * NR + j] = j < cols ? *b.at(p, j0 + j) : T(0);
  }
}

// How a tile's product is written: C = alpha·AB + beta·C, where beta == 0 reads no C (it may
// hold NaN); the k slices after the first add onto C (beta = 1).
template <class T>
struct TileUpdate {
  T alpha, beta;
  bool read_c;
  T operator()(T product, T c) const { return read_c ? alpha * product + beta * c : alpha * product; }
};

// The rows x cols tile of C at `c` from an A panel and a B panel of `depth` steps.
template <class T>
void micro_kernel(int64_t depth, const T* a, const T* b, Strided<T> c, int64_t rows, int64_t cols,
                  const TileUpdate<T>& update) {
  using Vector = cpu::Vector64<T>;
  constexpr int64_t kLanes = cpu::kVectorLanes<T>;
  Vector sum[kTileRows][2] = {};
  for (int64_t p = 0; p < depth; ++p, a += kTileRows, b += 2 * kLanes) {
    Vector b0, b1;
    __builtin_memcpy(&b0, b, sizeof(Vector));
    __builtin_memcpy(&b1, b + kLanes, sizeof(Vector));
#pragma GCC unroll 16
    for (int i = 0; i < kTileRows; ++i) {
      const T ai = a[i];
      sum[i][0] += ai * b0;
      sum[i][1] += ai * b1;
    }
  }
  if (c.cols == 1 && rows == kTileRows && cols == 2 * kLanes) {
    for (int i = 0; i < kTileRows; ++i) {
      T* row = c.at(i, 0);
      for (int half = 0; half < 2; ++half) {
        Vector out = update.alpha * sum[i][half];
        if (update.read_c) {
          Vector old;
          __builtin_memcpy(&old, row + half * kLanes, sizeof(Vector));
          out += update.beta * old;
        }
        __builtin_memcpy(row + half * kLanes, &out, sizeof(Vector));
      }
    }
    return;
  }
  T tile[kTileRows][2 * kLanes];
  __builtin_memcpy(tile, sum, sizeof(tile));
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) {
      T& out = *c.at(i, j);
      out = update(tile[i][j], out);
    }
}

// y (m x 1) = alpha·A (m x k)·x (k x 1) + beta·y: with one column a product would fill 1/32
// of every tile (DCGAN's 512 x 4 x 4 -> 1 discriminator head), so it runs as dot products
// of A's rows, or as a sum of A's columns when those are contiguous.
template <class T>
void gemv(int64_t m, int64_t k, T alpha, Strided<const T> a, Strided<const T> x, T beta, Strided<T> y) {
  const TileUpdate<T> update{alpha, beta, beta != T(0)};
  if (a.rows == 1 && a.cols != 1) {
    T* sum = cpu::thread_workspace<T>(cpu::WorkspaceSlot::kPackedA, m);
    std::fill_n(sum, m, T(0));
    for (int64_t p = 0; p < k; ++p) {
      const T xp = *x.at(p, 0);
      const T* column = a.at(0, p);
      for (int64_t i = 0; i < m; ++i) sum[i] += xp * column[i];
    }
    for (int64_t i = 0; i < m; ++i) *y.at(i, 0) = update(sum[i], *y.at(i, 0));
    return;
  }
  for (int64_t i = 0; i < m; ++i) *y.at(i, 0) = update(cpu::dot(k, a.at(i, 0), a.cols, x.data, x.rows), *y.at(i, 0));
}

// Turns C = A·B into Cᵀ = Bᵀ·Aᵀ: the same memory, walked the other way.
template <class T>
void transpose_product(int64_t& m, int64_t& n, Strided<const T>& a, Strided<const T>& b, Strided<T>& c) {
  std::swap(m, n);
  std::swap(a, b);
  std::swap(a.rows, a.cols);
  std::swap(b.rows, b.cols);
  std::swap(c.rows, c.cols);
}

// C = A·B with m <= kShortSide rows (a Linear layer's batch of 64) and longer k and n: each
// element of B, the weight, serves only 2·m flops, about what packing it costs. Such products
// run on B in place (gemm_small.h's register tiles), in column strips that stay in L2. When B
// is a transposed weight (x·Wᵀ, columns contiguous), they run as Cᵀ = W·xᵀ instead, with only
// xᵀ copied row-major and the m x n result transposed into C.
constexpr int64_t kShortSide = 64;

template <class T>
bool gemm_short_side(int64_t m, int64_t n, int64_t k, T alpha, Strided<const T> a, Strided<const T> b, T beta,
                     Strided<T> c) {
  constexpr int64_t NR = kTileCols<T>;
  if (m > kShortSide && n <= kShortSide) transpose_product(m, n, a, b, c);
  if (alpha != T(1) || beta != T(0) || m > kShortSide || k <= kShortSide || n < 2 * NR) return false;
  if (b.cols == 1 && c.cols == 1) {
    const cpu::GemmBlocking& blocks = cpu::gemm_blocking(sizeof(T));
    const int64_t strip = std::max(NR, blocks.rows * blocks.depth / k / NR * NR);  // k x strip: half of L2
    for (int64_t j = 0; j < n; j += strip)
      cpu::small_gemm<T>(m, std::min(strip, n - j), k, a.data, a.rows, a.cols, b.at(0, j), b.rows, c.at(0, j), c.rows);
    return true;
  }
  if (b.rows != 1) return false;
  T* at = cpu::thread_workspace<T>(cpu::WorkspaceSlot::kPackedB, k * m);  // Aᵀ, k x m row-major
  for (int64_t i = 0; i < m; ++i)
    for (int64_t p = 0; p < k; ++p) at[p * m + i] = *a.at(i, p);
  T* ct = cpu::thread_workspace<T>(cpu::WorkspaceSlot::kPackedA, n * m);  // Cᵀ, n x m row-major
  cpu::small_gemm<T>(n, m, k, b.data, b.cols, b.rows, at, m, ct, m);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) *c.at(i, j) = ct[j * m + i];
  return true;
}

// C (m x n) = alpha·A (m x k)·B (k x n) + beta·C on this thread, reading A or B from
// `a_panels` / `b_panels` where given (then the product is computed as stated, on the tiles).
template <class T>
void gemm_serial(int64_t m, int64_t n, int64_t k, T alpha, Strided<const T> a, Strided<const T> b, T beta,
                 Strided<T> c, cpu::PackedOperand<T> a_panels = {}, cpu::PackedOperand<T> b_panels = {}) {
  constexpr int64_t MR = kTileRows, NR = kTileCols<T>;
  if (k == 0) {
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) *c.at(i, j) = beta == T(0) ? T(0) : beta * *c.at(i, j);
    return;
  }
  // A packed operand fixes the orientation and the tiles; otherwise compute Cᵀ = Bᵀ·Aᵀ instead
  // for a row of C (then a GEMV), when Cᵀ pads its tiles less (a 64 x 16 weight gradient fills
  // half of them, its transpose all), or for a column-major C (the tiles store rows).
  if (a_panels.data == nullptr && b_panels.data == nullptr) {
    auto padded = [](int64_t size, int64_t tile) { return (size + tile - 1) / tile * tile; };
    const int64_t straight = padded(m, MR) * padded(n, NR), turned = padded(n, MR) * padded(m, NR);
    if ((m == 1 && n != 1) || (n != 1 && turned < straight) || (turned == straight && c.cols != 1 && c.rows == 1))
      transpose_product(m, n, a, b, c);
    if (n == 1) {
      gemv(m, k, alpha, a, b, beta, c);
      return;
    }
    if (gemm_short_side(m, n, k, alpha, a, b, beta, c)) return;
  }
  const cpu::GemmBlocking& blocks = cpu::gemm_blocking(sizeof(T));
  const int64_t block_rows = blocks.rows, depth_max = std::min(blocks.depth, k),
                block_cols = std::min(blocks.cols, (n + NR - 1) / NR * NR);
  T* packed_a = cpu::thread_workspace<T>(cpu::WorkspaceSlot::kPackedA, block_rows * depth_max);
  T* packed_b = cpu::thread_workspace<T>(cpu::WorkspaceSlot::kPackedB, block_cols * depth_max);
  for (int64_t jc = 0; jc < n; jc += block_cols) {
    const int64_t nc = std::min(block_cols, n - jc);
    for (int64_t pc = 0; pc < k; pc += depth_max) {
      const int64_t depth = std::min(depth_max, k - pc);
      // panel r of this block starts at b_block + r·b_stride, step p of it at + p·NR
      const T* b_block = b_panels.data ? b_panels.data + jc / NR * b_panels.stride + pc * NR : packed_b;
      const int64_t b_stride = b_panels.data ? b_panels.stride : NR * depth;
      if (!b_panels.data) pack_b(depth, nc, Strided<const T>{b.at(pc, jc), b.rows, b.cols}, packed_b);
      const TileUpdate<T> update{alpha, pc == 0 ? beta : T(1), pc > 0 || beta != T(0)};
      for (int64_t ic = 0; ic < m; ic += block_rows) {
        const int64_t mc = std::min(block_rows, m - ic);
        const T* a_block = a_panels.data ? a_panels.data + ic / MR * a_panels.stride + pc * MR : packed_a;
        const int64_t a_stride = a_panels.data ? a_panels.stride : MR * depth;
        if (!a_panels.data) pack_a(mc, depth, Strided<const T>{a.at(ic, pc), a.rows, a.cols}, packed_a, a_stride);
        auto tile = [&](int64_t ir, int64_t jr) {
          micro_kernel(depth, a_block + ir / MR * a_stride, b_block + jr / NR * b_stride,
                       Strided<T>{c.at(ic + ir, jc + jr), c.rows, c.cols}, std::min<int64_t>(kTileRows, mc - ir),
                       std::min(NR, nc - jr), update);
        };
        // Each B panel stays in L1 across the A panels; but when k is a few steps the tiles
        // are mostly stores, and walking C down a panel column jumps a row stride per row
        // (DCGAN's rank-1 head gradient, 64 x 8192 x 1: 13 GFLOP/s): there go along C's rows.
        if (depth >= kShallowDepth) {
          for (int64_t jr = 0; jr < nc; jr += NR)
            for (int64_t ir = 0; ir < mc; ir += kTileRows) tile(ir, jr);
        } else {
          for (int64_t ir = 0; ir < mc; ir += kTileRows)
            for (int64_t jr = 0; jr < nc; jr += NR) tile(ir, jr);
        }
      }
    }
  }
}

template <class T>
Strided<T> operand(const MatrixDesc& d, int64_t batch) {
  return {static_cast<T*>(d.data) + batch * d.batch_stride, d.row_stride, d.col_stride};
}

// Products C = A·Bᵀ whose operands both have contiguous rows along k and together fit in
// half of L2 run as dot products (gemm_dot.h): packing them, both operands are transposed
// element by element, which cost more than the product on MNIST's 1-channel layers (their
// weight gradients, 64 x 16 x 588, ran at 50 GFLOP/s packed).
template <class T>
bool fits_dot_tiles(const GemmDesc& g) {
  constexpr int64_t kHalfL2 = 512 << 10;
  return !std::is_same_v<T, int64_t> && g.a.col_stride == 1 && g.b.row_stride == 1 && g.m > 1 && g.n > 1 &&
         g.k >= 4 * cpu::kVectorLanes<T> && (g.m + g.n) * g.k * static_cast<int64_t>(sizeof(T)) <= kHalfL2;
}

template <class T>
void gemm_one(const GemmDesc& g, int64_t batch) {
  const Strided<const T> a = operand<const T>(g.a, batch), b = operand<const T>(g.b, batch);
  const Strided<T> c = operand<T>(g.c, batch);
  const TileUpdate<T> update{static_cast<T>(g.alpha), static_cast<T>(g.beta), g.beta != 0};
  if (fits_dot_tiles<T>(g)) {
    if constexpr (!std::is_same_v<T, int64_t>)
      cpu::dot_tiles(g.m, g.n, g.k, a.data, a.rows, b.data, b.cols,
                     [&](int64_t i, int64_t j, T sum) { *c.at(i, j) = update(sum, *c.at(i, j)); });
    return;
  }
  gemm_serial<T>(g.m, g.n, g.k, update.alpha, a, b, update.beta, c);
}

// One product over the threads: each takes a slice of whole tiles of C's longer side (and
// packs its own panels), so every element is computed the same way for any thread count.
template <class T>
void gemm_threaded(const GemmDesc& g, cpu::PackedOperand<T> a_panels = {}, cpu::PackedOperand<T> b_panels = {}) {
  const Strided<const T> a = operand<const T>(g.a, 0), b = operand<const T>(g.b, 0);
  const Strided<T> c = operand<T>(g.c, 0);
  const bool by_rows = g.m >= g.n;
  const int64_t tile = by_rows ? kTileRows : kTileCols<T>, tiles = ((by_rows ? g.m : g.n) + tile - 1) / tile;
  const int64_t flops_per_tile = 2 * tile * (by_rows ? g.n : g.m) * g.k;
  cpu::parallel_for(tiles, flops_per_tile / 64, [&](int64_t begin, int64_t end) {
    const int64_t first = begin * tile, last = std::min(end * tile, by_rows ? g.m : g.n);
    const T alpha = static_cast<T>(g.alpha), beta = static_cast<T>(g.beta);
    auto from = [&](cpu::PackedOperand<T> panels) {  // the panels of this slice's tiles
      return panels.data ? cpu::PackedOperand<T>{panels.data + begin * panels.stride, panels.stride} : panels;
    };
    auto slice = [&](Strided<const T> x, int64_t i, int64_t j) {  // a packed operand may have no matrix
      return x.data ? Strided<const T>{x.at(i, j), x.rows, x.cols} : x;
    };
    if (by_rows)
      gemm_serial<T>(last - first, g.n, g.k, alpha, slice(a, first, 0), b, beta, {c.at(first, 0), c.rows, c.cols},
                     from(a_panels), b_panels);
    else
      gemm_serial<T>(g.m, last - first, g.k, alpha, a, slice(b, 0, first), beta, {c.at(0, first), c.rows, c.cols},
                     a_panels, from(b_panels));
  });
}

// A second thread pays from ~10^7 flops (about 70 µs of work) on an idle core: the MLP GAN's
// step, whose products are 64-row Linear layers of 10^7 to 10^8 flops, went from 9.4-10.9 ms
// on two threads (splitting from 10^8) to 7.1-7.5 ms (AMD EPYC, quiet). On a core that another
// process keeps busy, every split waits for it, and one thread is faster.
constexpr double kFlopsPerExtraThread = 1.0e7;

// Whether one product is split over the threads.
bool worth_threads(const GemmDesc& g) {
  const double flops = 2.0 * static_cast<double>(g.m) * static_cast<double>(g.n) * static_cast<double>(g.k);
  return flops >= kFlopsPerExtraThread && cpu::max_threads() > 1 && !cpu::in_parallel_region();
}

template <class T>
void gemm_unbatched_typed(const GemmDesc& g) {
  if (worth_threads(g) && !fits_dot_tiles<T>(g))
    gemm_threaded<T>(g);
  else
    gemm_one<T>(g, 0);
}

// Small batched products run one per thread; a single one splits its tiles over the threads.
template <class T>
void gemm_typed(const GemmDesc& g) {
  if (g.batch == 1) {
    gemm_unbatched_typed<T>(g);
    return;
  }
  const int64_t flops_per_batch = 2 * g.m * g.n * std::max<int64_t>(g.k, 1);
  cpu::parallel_for(g.batch, flops_per_batch / 64, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) gemm_one<T>(g, b);
  });
}

// The cache sizes glibc reads from cpuid (Intel and AMD); where it reports none (some VMs),
// 32 KiB L1d and 1 MiB L2, the smallest of current AVX-512 cores.
int64_t cache_bytes(int name, int64_t fallback) {
  const long bytes = sysconf(name);
  return bytes > 0 ? bytes : fallback;
}

}  // namespace

// A B panel (depth x kTileCols) takes two thirds of L1d, as it stays there while the A panels
// stream past; an A block (rows x depth) half of L2, leaving room for the B panel's lines and
// C's tiles. f32 on 48 KiB L1d and 1 MiB L2: 256 deep, 512 rows, as measured best there.
const cpu::GemmBlocking& cpu::gemm_blocking(size_t element_bytes) {
  auto derive = [](int64_t element) {
    const int64_t l1 = cache_bytes(_SC_LEVEL1_DCACHE_SIZE, 32 << 10), l2 = cache_bytes(_SC_LEVEL2_CACHE_SIZE, 1 << 20);
    const int64_t panel_row = 128, lanes_f32 = 4;  // kTileCols elements are 128 bytes for every dtype
    const int64_t depth = std::clamp<int64_t>(l1 * 2 / 3 / panel_row / 16 * 16, 64, 1024) * lanes_f32 / element;
    const int64_t rows = std::clamp<int64_t>(l2 / 2 / (depth * element) / (8 * kTileRows) * (8 * kTileRows),
                                             8 * kTileRows, 4096);
    return GemmBlocking{depth, rows, 32 * panel_row / element};
  };
  static const GemmBlocking four = derive(4), eight = derive(8);
  return element_bytes == 4 ? four : eight;
}

template <class T>
void cpu::pack_gemm_a(int64_t m, int64_t k, const MatrixDesc& a, T* panels) {
  pack_a(m, k, operand<const T>(a, 0), panels, kTileRows * k);
}

template <class T>
void cpu::gemm_prepacked(const GemmDesc& g, PackedOperand<T> a, PackedOperand<T> b) {
  if (worth_threads(g))
    gemm_threaded<T>(g, a, b);
  else
    gemm_serial<T>(g.m, g.n, g.k, static_cast<T>(g.alpha), operand<const T>(g.a, 0), operand<const T>(g.b, 0),
                   static_cast<T>(g.beta), operand<T>(g.c, 0), a, b);
}

template void cpu::pack_gemm_a(int64_t, int64_t, const MatrixDesc&, float*);
template void cpu::pack_gemm_a(int64_t, int64_t, const MatrixDesc&, double*);
template void cpu::gemm_prepacked(const GemmDesc&, PackedOperand<float>, PackedOperand<float>);
template void cpu::gemm_prepacked(const GemmDesc&, PackedOperand<double>, PackedOperand<double>);

void cpu::gemm_unbatched(const GemmDesc& g) {
  dispatch_dtype(g.dtype, [&](auto zero) { gemm_unbatched_typed<decltype(zero)>(g); });
}

void CpuBackend::gemm(const GemmDesc& g_in) {
  const GemmDesc g = follows_math() ? cpu::operands_for_math(g_in) : g_in;
  dispatch_dtype(g.dtype, [&](auto zero) { gemm_typed<decltype(zero)>(g); });
}

}  // namespace ganforge::kernels
