// Batch norm of the cuda / cuda-sim backend over contiguous x [N, C, S]: channel c is the N
// runs of S values at (n·C + c)·S. Instance norm arrives as [1, N·C, S]: many channels of
// few values.
//
// Statistics and gradient sums accumulate in double, and the elementwise passes evaluate in
// double and round once: batch norm's output x̂·γ + β and its dx cancel, so a float
// evaluation could be off by far more than an ulp of the result, while these kernels are
// memory bound and double arithmetic is cheap on sm_80 / sm_90 (half the f32 rate).
//
// - batch_norm_partials_warp_per_chunk: a warp per (channel, chunk of kChunk values); chunk j
//   is values [j·kChunk, (j+1)·kChunk) of the channel in (n, s) order, read by lanes 32 apart
//   (coalesced where runs are long; BN1d's runs of 1 are not, but the 8 warps of a block then
//   read 8 neighbouring channels, which share sectors in L1). A DCGAN map 64 x 64 x 32 x 32
//   gives 128 chunks per channel (8192 warps); instance norm's 256 channels of 16 values, a
//   warp each. Each lane accumulates its values, a shuffle tree merges the warp, and lane 0
//   writes the chunk's partial: for the forward the moments (count, mean, M2) — each lane sums
//   x - K and (x - K)², K being its first value, so (K - mean)² <= M2 and forming M2 loses at
//   most log2(33) bits — merged by Chan's parallel formula; for the backward Σdy and
//   Σdy·(x - mean). The chunking does not depend on the GPU, so neither do the results.
// - batch_norm_merge_warp_per_channel: a warp per channel merges its chunks' partials (lanes
//   over chunks, then the shuffle tree) and writes the per-channel outputs (save_mean /
//   save_invstd and the momentum update of the running statistics, or dgamma / dbeta) and
//   the channel's affine coefficients for the elementwise pass.
// - batch_norm_eval_coefficients: a thread per channel, the coefficients from the running
//   statistics.
// - batch_norm_channel_affine_grid_stride: out = (x - mean)·p + q + r·g elementwise (y of both
//   forwards; dx = γ·invstd·(dy - Σdy/m - x̂·Σdy·x̂/m) of the backward, g = dy). Each thread
//   steps its channel index by the grid stride with a carry instead of dividing per element.
#include <memory>

#include "kernels/common/layer_geometry.h"
#include "kernels/cuda/block_reduce.h"
#include "kernels/cuda/cuda_backend.h"

namespace ganforge::kernels::GANFORGE_CUDA_NS {
namespace {

// Values per warp of the reduction pass, 16 per lane: small enough that a DCGAN map gives
// ~60 warps per SM of a 132-SM GPU to keep loads in flight, large enough that the partials
// (24 bytes a chunk) are ~1% of the traffic.
constexpr int64_t kChunk = 512;
constexpr unsigned kWarpsPerBlock = kThreadsPerBlock / 32;

// Chunks of kChunk values per channel (the reduction pass's unit of work).
int64_t chunk_count(const ChannelLayout& g) { return g.count() > kChunk ? (g.count() + kChunk - 1) / kChunk : 1; }

// Count, mean and M2 = Σ(x - mean)² of a set of values.
struct Moments {
  double n = 0, mean = 0, m2 = 0;
  // Chan, Golub and LeVeque's merge of two sets.
  __device__ void merge(const Moments& o) {
    if (o.n == 0) return;
    const double total = n + o.n, delta = o.mean - mean, w = o.n / total;
    mean += delta * w;
    m2 += o.m2 + delta * delta * n * w;
    n = total;
  }
  __device__ Moments shuffled_down(int delta) const {
    return {shuffle_down(n, delta), shuffle_down(mean, delta), shuffle_down(m2, delta)};
  }
};

// Σdy and Σdy·(x - mean) of a set of values.
struct GradSums {
  double dy = 0, dy_centred = 0;
  __device__ void merge(const GradSums& o) {
    dy += o.dy;
    dy_centred += o.dy_centred;
  }
  __device__ GradSums shuffled_down(int delta) const { return {shuffle_down(dy, delta), shuffle_down(dy_centred, delta)}; }
};

// The merge of the warp's partials, in lane 0.
template <class P>
__device__ P warp_merge(P p) {
  for (int delta = 16; delta > 0; delta /= 2) p.merge(p.shuffled_down(delta));
  return p;
}

// One lane's share of the forward statistics: shifted sums around its first value.
template <class T>
struct MomentsLane {
  using Partial = Moments;
  const T* x;
  double shift = 0, n = 0, sum = 0, squares = 0;
  __device__ void start(int64_t) {}
  __device__ void add(int64_t at) {
    const double v = static_cast<double>(x[at]);
    if (n == 0) shift = v;
    const double d = v - shift;
    n += 1;
    sum += d;
    squares += d * d;
  }
  __device__ Moments partial() const {
    if (n == 0) return {};
    const double m2 = squares - sum * sum / n;
    return {n, shift + sum / n, m2 > 0 ? m2 : 0.0};
  }
};

// One lane's share of the backward sums.
template <class T>
struct GradSumsLane {
  using Partial = GradSums;
  const T *dy, *x, *mean;
  double channel_mean = 0;
  GradSums sums{};
  __device__ void start(int64_t c) { channel_mean = static_cast<double>(mean[c]); }
  __device__ void add(int64_t at) {
    const double g = static_cast<double>(dy[at]);
    sums.dy += g;
    sums.dy_centred += g * (static_cast<double>(x[at]) - channel_mean);
  }
  __device__ GradSums partial() const { return sums; }
};

// Partials laid out [C][chunks]: warp w handles channel w / chunks, chunk w % chunks.
template <class Lane>
__global__ void batch_norm_partials_warp_per_chunk(ChannelLayout g, int64_t chunks, Lane lane_state,
                                                   typename Lane::Partial* partials) {
  const int64_t warp = (int64_t{blockIdx.x} * blockDim.x + threadIdx.x) / 32;
  if (warp >= g.c * chunks) return;  // whole warps: blockDim.x is a multiple of 32
  const int lane = threadIdx.x % 32;
  const int64_t c = warp / chunks, begin = warp % chunks * kChunk;
  const int64_t end = begin + kChunk < g.count() ? begin + kChunk : g.count();
  Lane acc = lane_state;
  acc.start(c);
  int64_t k = begin + lane;
  if (k < end) {
    // (n, s) of value k, advanced by 32 values per step without dividing
    int64_t n = k / g.s, s = k % g.s;
    const int64_t step_n = 32 / g.s, step_s = 32 % g.s;
    for (; k < end; k += 32) {
      acc.add((n * g.c + c) * g.s + s);
      n += step_n;
      s += step_s;
      if (s >= g.s) s -= g.s, ++n;
    }
  }
  const typename Lane::Partial total = warp_merge(acc.partial());
  if (lane == 0) partials[warp] = total;
}

// out = (x - mean)·p + q + r·g (g absent: r·g = 0)
struct ChannelAffine {
  double mean = 0, p = 1, q = 0, r = 0;
};

template <class P, class Finish>
__global__ void batch_norm_merge_warp_per_channel(int64_t channels, int64_t chunks, const P* partials, Finish finish) {
  const int64_t c = (int64_t{blockIdx.x} * blockDim.x + threadIdx.x) / 32;
  if (c >= channels) return;
  const int lane = threadIdx.x % 32;
  P p{};
  for (int64_t j = lane; j < chunks; j += 32) p.merge(partials[c * chunks + j]);
  p = warp_merge(p);
  if (lane == 0) finish(c, p);
}

template <class T>
__device__ double value_or(const T* v, int64_t c, double fallback) {
  return v != nullptr ? static_cast<double>(v[c]) : fallback;
}

template <class T>
struct FinishStatistics {
  const T *gamma, *beta;
  T *running_mean, *running_var, *save_mean, *save_invstd;
  double momentum, eps;
  ChannelAffine* coefficients;
  __device__ void operator()(int64_t c, const Moments& m) const {
    const double mean = m.n > 0 ? m.mean : nan("");  // an empty batch: 0/0, as the reference
    const double invstd = 1 / sqrt(m.m2 / m.n + eps);  // the biased variance normalises the batch
    if (save_mean != nullptr) save_mean[c] = static_cast<T>(mean);
    if (save_invstd != nullptr) save_invstd[c] = static_cast<T>(invstd);
    // PyTorch: running = (1 - momentum)·running + momentum·batch, with the unbiased variance
    if (running_mean != nullptr)
      running_mean[c] = static_cast<T>((1 - momentum) * static_cast<double>(running_mean[c]) + momentum * mean);
    if (running_var != nullptr)
      running_var[c] = static_cast<T>((1 - momentum) * static_cast<double>(running_var[c]) + momentum * m.m2 / (m.n - 1));
    coefficients[c] = {mean, value_or(gamma, c, 1.0) * invstd, value_or(beta, c, 0.0), 0};
  }
};

// dβ = Σdy, dγ = Σdy·x̂ = invstd·Σdy·(x - mean); with k = γ·invstd,
// dx = k·dy - k·dβ/m - (x - mean)·k·invstd·dγ/m.
template <class T>
struct FinishGradients {
  const T *gamma, *mean, *invstd;
  T *dgamma, *dbeta;
  double count;
  ChannelAffine* coefficients;  // null when dx is not wanted
  __device__ void operator()(int64_t c, const GradSums& s) const {
    const double is = static_cast<double>(invstd[c]), dgamma_c = s.dy_centred * is;
    if (dbeta != nullptr) dbeta[c] = static_cast<T>(s.dy);
    if (dgamma != nullptr) dgamma[c] = static_cast<T>(dgamma_c);
    if (coefficients == nullptr) return;
    const double k = value_or(gamma, c, 1.0) * is;
    coefficients[c] = {static_cast<double>(mean[c]), -k * is * dgamma_c / count, -k * s.dy / count, k};
  }
};

template <class T>
__global__ void batch_norm_eval_coefficients(int64_t channels, const T* running_mean, const T* running_var, const T* gamma,
                                             const T* beta, double eps, ChannelAffine* coefficients) {
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t c = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; c < channels; c += stride) {
    const double invstd = 1 / sqrt(static_cast<double>(running_var[c]) + eps);
    coefficients[c] = {static_cast<double>(running_mean[c]), value_or(gamma, c, 1.0) * invstd, value_or(beta, c, 0.0), 0};
  }
}

// S and C, and the grid stride D as a step of (s, c): D = q·S + step_s, step_c = q mod C.
struct ChannelStep {
  int64_t s, c, step_s, step_c;
};

template <class T>
__global__ void batch_norm_channel_affine_grid_stride(int64_t n, ChannelStep step, const ChannelAffine* coefficients,
                                                      const T* x, const T* g, T* out) {
  int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x;
  if (i >= n) return;
  int64_t s = i % step.s, c = i / step.s % step.c;
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  for (; i < n; i += stride) {
    const ChannelAffine a = coefficients[c];
    double v = (static_cast<double>(x[i]) - a.mean) * a.p + a.q;
    if (g != nullptr) v += a.r * static_cast<double>(g[i]);
    out[i] = static_cast<T>(v);
    s += step.step_s;
    c += step.step_c;
    if (s >= step.s) s -= step.s, ++c;
    if (c >= step.c) c -= step.c;
  }
}

// Device scratch from the backend's allocator, given back on every exit.
auto scratch(Backend& backend, size_t bytes) {
  auto give_back = [&backend](void* p) { backend.deallocate(p); };
  return std::unique_ptr<void, decltype(give_back)>(backend.allocate(bytes), give_back);
}

// The coefficients after `before` bytes of partials (a multiple of 8) in a scratch buffer.
ChannelAffine* coefficients_after(void* scratch, size_t before) {
  return reinterpret_cast<ChannelAffine*>(static_cast<unsigned char*>(scratch) + before);
}

template <class T>
void apply_channel_affine(const ChannelLayout& g, const ChannelAffine* coefficients, const T* x, const T* grad, T* out) {
  const int64_t n = g.n * g.c * g.s;
  if (n == 0) return;
  const unsigned blocks = grid_for(n);
  const int64_t stride = int64_t{blocks} * kThreadsPerBlock;
  const ChannelStep step{g.s, g.c, stride % g.s, stride / g.s % g.c};
  launch(batch_norm_channel_affine_grid_stride<T>, dim3(blocks), dim3(kThreadsPerBlock), 0, nullptr, n, step, coefficients,
         x, grad, out);
}

unsigned blocks_for_warps(int64_t warps) { return static_cast<unsigned>((warps + kWarpsPerBlock - 1) / kWarpsPerBlock); }

// The reduction pass and the merge: partials of `lane`, then finish(c, merged) per channel.
template <class Lane, class Finish>
void reduce_channels(const ChannelLayout& g, void* scratch, Lane lane, Finish finish) {
  using P = typename Lane::Partial;
  const int64_t chunks = chunk_count(g);
  P* partials = static_cast<P*>(scratch);
  launch(batch_norm_partials_warp_per_chunk<Lane>, dim3(blocks_for_warps(g.c * chunks)), dim3(kThreadsPerBlock), 0, nullptr,
         g, chunks, lane, partials);
  launch(batch_norm_merge_warp_per_channel<P, Finish>, dim3(blocks_for_warps(g.c)), dim3(kThreadsPerBlock), 0, nullptr, g.c,
         chunks, static_cast<const P*>(partials), finish);
}

template <class P>
size_t partials_bytes(const ChannelLayout& g) {
  return static_cast<size_t>(g.c * chunk_count(g)) * sizeof(P);
}

}  // namespace

void CudaBackend::batch_norm_forward_train(const TensorDesc& x, const TensorDesc& gamma, const TensorDesc& beta,
                                           const TensorDesc& running_mean, const TensorDesc& running_var, double momentum,
                                           double eps, const TensorDesc& y, const TensorDesc& save_mean,
                                           const TensorDesc& save_invstd) {
  const ChannelLayout g(x);
  if (g.c == 0) return;
  dispatch_floating("batch_norm_forward_train", x.dtype, [&](auto type) {
    using T = decltype(type);
    const size_t before = partials_bytes<Moments>(g);
    const auto ws = scratch(*this, before + static_cast<size_t>(g.c) * sizeof(ChannelAffine));
    ChannelAffine* coefficients = coefficients_after(ws.get(), before);
    reduce_channels(g, ws.get(), MomentsLane<T>{typed<const T>(x)},
                    FinishStatistics<T>{typed<const T>(gamma), typed<const T>(beta), typed<T>(running_mean),
                                        typed<T>(running_var), typed<T>(save_mean), typed<T>(save_invstd), momentum, eps,
                                        coefficients});
    apply_channel_affine<T>(g, coefficients, typed<const T>(x), nullptr, typed<T>(y));
  });
}

void CudaBackend::batch_norm_forward_eval(const TensorDesc& x, const TensorDesc& gamma, const TensorDesc& beta,
                                          const TensorDesc& running_mean, const TensorDesc& running_var, double eps,
                                          const TensorDesc& y) {
  const ChannelLayout g(x);
  if (g.c == 0) return;
  dispatch_floating("batch_norm_forward_eval", x.dtype, [&](auto type) {
    using T = decltype(type);
    const auto ws = scratch(*this, static_cast<size_t>(g.c) * sizeof(ChannelAffine));
    ChannelAffine* coefficients = static_cast<ChannelAffine*>(ws.get());
    launch(batch_norm_eval_coefficients<T>, dim3(grid_for(g.c)), dim3(kThreadsPerBlock), 0, nullptr, g.c,
           typed<const T>(running_mean), typed<const T>(running_var), typed<const T>(gamma), typed<const T>(beta), eps,
           coefficients);
    apply_channel_affine<T>(g, coefficients, typed<const T>(x), nullptr, typed<T>(y));
  });
}

void CudaBackend::batch_norm_backward(const TensorDesc& dy, const TensorDesc& x, const TensorDesc& gamma,
                                      const TensorDesc& save_mean, const TensorDesc& save_invstd, const TensorDesc& dx,
                                      const TensorDesc& dgamma, const TensorDesc& dbeta) {
  const ChannelLayout g(x);
  if (g.c == 0 || (!dx.present() && !dgamma.present() && !dbeta.present())) return;
  dispatch_floating("batch_norm_backward", x.dtype, [&](auto type) {
    using T = decltype(type);
    const size_t before = partials_bytes<GradSums>(g);
    const bool want_dx = dx.present();
    const auto ws = scratch(*this, before + (want_dx ? static_cast<size_t>(g.c) * sizeof(ChannelAffine) : 0));
    ChannelAffine* coefficients = want_dx ? coefficients_after(ws.get(), before) : nullptr;
    reduce_channels(g, ws.get(), GradSumsLane<T>{typed<const T>(dy), typed<const T>(x), typed<const T>(save_mean)},
                    FinishGradients<T>{typed<const T>(gamma), typed<const T>(save_mean), typed<const T>(save_invstd),
                                       typed<T>(dgamma), typed<T>(dbeta), static_cast<double>(g.count()), coefficients});
    if (want_dx) apply_channel_affine<T>(g, coefficients, typed<const T>(x), typed<const T>(dy), typed<T>(dx));
  });
}

}  // namespace ganforge::kernels::GANFORGE_CUDA_NS
