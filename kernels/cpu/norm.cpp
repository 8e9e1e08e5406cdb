// cpu batch norm over x [N, C, S]. Channels are split over threads when each thread gets
// enough values (parallel.h). A channel is N contiguous runs of S values; it is walked
// once for the sum, once for the squared deviations (two passes: no cancellation) and once
// for the output, but after the first walk its slice sits in cache, so memory sees one read
// of x and one write of y. Statistics accumulate in double over eight lanes (no add latency
// chain; the backward's written as vector types, see Doubles), and the per-element affine map
// also runs in double: the loops are memory bound, and an f32 result is then the exact formula
// rounded once.
// batch_norm_act_* fuse ReLU / LeakyReLU into the same walks: the forward writes act(y), the
// backward reads dy·act' from the activation's output, so memory sees two passes fewer each way.
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "kernels/common/layer_geometry.h"
#include "kernels/cpu/cpu_backend.h"
#include "kernels/cpu/lanes.h"
#include "kernels/cpu/map.h"
#include "kernels/cpu/vector_masked.h"

namespace ganforge::kernels {

namespace {

constexpr int kLanes = cpu::kSumLanes;

// kLanes values of T as one vector, and as doubles: the walks below are written with vectors,
// as the build turns off g++'s SLP vectoriser (CMakeLists.txt), which their lane arrays needed.
using Doubles = cpu::Vector64<double>;
static_assert(sizeof(Doubles) == kLanes * sizeof(double));
template <class T>
struct LanesOf {
  typedef T type __attribute__((vector_size(kLanes * sizeof(T))));
};
template <class T>
typename LanesOf<T>::type load_lanes(const T* p) {
  typename LanesOf<T>::type v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <class T>
Doubles load_doubles(const T* p) {
  return __builtin_convertvector(load_lanes(p), Doubles);
}

template <class T>
double squares_run(const T* p, int64_t n, double mean) {
  double lanes[kLanes] = {};
  int64_t k = 0;
  for (; k + kLanes <= n; k += kLanes)
    for (int l = 0; l < kLanes; ++l) {
      const double d = static_cast<double>(p[k + l]) - mean;
      lanes[l] += d * d;
    }
  double sum = 0;
  for (; k < n; ++k) {
    const double d = static_cast<double>(p[k]) - mean;
    sum += d * d;
  }
  for (int l = 0; l < kLanes; ++l) sum += lanes[l];
  return sum;
}

// What the training forward writes: the normalised value (Identity), or an activation of it
// rounded as activation_forward rounds it, so that the fused primitive gives the same bits.
struct Identity {
  template <class T>
  T operator()(T v) const { return v; }
};
// Both sides of the select are computed first, so that g++ may make it a blend: a product
// under the condition is one it will not evaluate speculatively (it could trap).
template <ActivationOp kOp>
struct Activated {
  double alpha;
  template <class T>
  T operator()(T v) const {
    static_assert(kOp == ActivationOp::Relu || kOp == ActivationOp::LeakyRelu);
    const T negative = kOp == ActivationOp::Relu ? T(0) : v * static_cast<T>(alpha);
    return v < 0 ? negative : v;  // activation_forward_value's, NaN passing through
  }
};

// y = post((x - mean)·scale + shift) over one channel.
template <class T, class Post = Identity>
void normalise(const ChannelLayout& g, int64_t c, const T* x, T* y, double mean, double scale, double shift,
               Post post = {}) {
  for (int64_t i = 0; i < g.n; ++i) {
    const T* px = x + g.run(i, c);
    T* py = y + g.run(i, c);
    for (int64_t k = 0; k < g.s; ++k) py[k] = post(static_cast<T>((static_cast<double>(px[k]) - mean) * scale + shift));
  }
}

template <class T>
double value_or(const TensorDesc& t, int64_t c, double fallback) {
  return t.present() ? static_cast<double>(typed<const T>(t)[c]) : fallback;
}

// After a Linear layer (x [N, C], S = 1) a channel's values lie C apart: there the walks go
// along the rows instead, over every channel of a thread's range at once (vectorised), with
// an accumulator per channel. Each channel's sums are still taken in the order of its rows, so
// both walks give the same bits.
template <class T, class Post = Identity>
void forward_train(const TensorDesc& xd, const TensorDesc& gamma, const TensorDesc& beta, const TensorDesc& rmean,
                   const TensorDesc& rvar, double momentum, double eps, const TensorDesc& yd, const TensorDesc& smean,
                   const TensorDesc& sinvstd, Post post = {}) {
  const ChannelLayout g(xd);
  const T* x = typed<const T>(xd);
  T* y = typed<T>(yd);
  const double count = static_cast<double>(g.count());
  // the channel's invstd from its mean and Σ(x - mean)²; saves both and updates the running ones
  auto statistics = [&](int64_t c, double mean, double squares) {
    const double invstd = 1 / std::sqrt(squares / count + eps);
    if (smean.present()) typed<T>(smean)[c] = static_cast<T>(mean);
    if (sinvstd.present()) typed<T>(sinvstd)[c] = static_cast<T>(invstd);
    // PyTorch: running = (1 - momentum)·running + momentum·batch, with the unbiased variance
    if (rmean.present()) {
      T& r = typed<T>(rmean)[c];
      r = static_cast<T>((1 - momentum) * static_cast<double>(r) + momentum * mean);
    }
    if (rvar.present()) {
      T& r = typed<T>(rvar)[c];
      r = static_cast<T>((1 - momentum) * static_cast<double>(r) + momentum * squares / (count - 1));
    }
    return invstd;
  };
  if (g.s == 1) {
    cpu::parallel_for(g.c, 3 * g.n, [&](int64_t begin, int64_t end) {
      const int64_t width = end - begin;
      std::vector<double> mean(width, 0.0), squares(width, 0.0), scale(width), shift(width);
      for (int64_t i = 0; i < g.n; ++i) {
        const T* px = x + g.run(i, begin);
        for (int64_t w = 0; w < width; ++w) mean[w] += static_cast<double>(px[w]);
      }
      for (int64_t w = 0; w < width; ++w) mean[w] /= count;
      for (int64_t i = 0; i < g.n; ++i) {
        const T* px = x + g.run(i, begin);
        for (int64_t w = 0; w < width; ++w) {
          const double d = static_cast<double>(px[w]) - mean[w];
          squares[w] += d * d;
        }
      }
      for (int64_t w = 0; w < width; ++w) {
        const int64_t c = begin + w;
        scale[w] = value_or<T>(gamma, c, 1.0) * statistics(c, mean[w], squares[w]);
        shift[w] = value_or<T>(beta, c, 0.0);
      }
      for (int64_t i = 0; i < g.n; ++i) {
        const T* px = x + g.run(i, begin);
        T* py = y + g.run(i, begin);
        for (int64_t w = 0; w < width; ++w)
          py[w] = post(static_cast<T>((static_cast<double>(px[w]) - mean[w]) * scale[w] + shift[w]));
      }
    });
    return;
  }
  cpu::parallel_for(g.c, 3 * g.count(), [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; ++c) {
      double sum = 0;
      for (int64_t i = 0; i < g.n; ++i) sum += cpu::sum_contiguous<double>(x + g.run(i, c), g.s);
      const double mean = sum / count;
      double squares = 0;
      for (int64_t i = 0; i < g.n; ++i) squares += squares_run(x + g.run(i, c), g.s, mean);
      const double invstd = statistics(c, mean, squares);
      normalise(g, c, x, y, mean, value_or<T>(gamma, c, 1.0) * invstd, value_or<T>(beta, c, 0.0), post);
    }
  });
}

template <class T>
void forward_eval(const TensorDesc& xd, const TensorDesc& gamma, const TensorDesc& beta, const TensorDesc& rmean,
                  const TensorDesc& rvar, double eps, const TensorDesc& yd) {
  const ChannelLayout g(xd);
  cpu::parallel_for(g.c, g.count(), [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; ++c) {
      const double invstd = 1 / std::sqrt(static_cast<double>(typed<const T>(rvar)[c]) + eps);
      normalise(g, c, typed<const T>(xd), typed<T>(yd), static_cast<double>(typed<const T>(rmean)[c]),
                value_or<T>(gamma, c, 1.0) * invstd, value_or<T>(beta, c, 0.0));
    }
  });
}

// The gradient batch norm's backward reads at element k of a run: dy itself (Plain), or, fused
// with the activation after it, dy·act' from that activation's output y (ReLU and LeakyReLU
// with a slope >= 0: y > 0 exactly when its input is). The slope is picked by a bit mask: as a
// select, g++ made it a branch, mispredicted on every other value (6.8x slower than batch norm
// alone). For finite dy the product is what activation_backward computes (dy·1 = dy, dy·slope;
// ReLU's 0 may come out as -0).
struct Plain {
  template <class T>
  T operator()(const T* dy, const T*, int64_t k) const { return dy[k]; }
  template <class T>
  Doubles lanes(const T* dy, const T*, int64_t k) const { return load_doubles(dy + k); }
};
template <ActivationOp kOp>
struct ThroughActivation {
  double alpha;
  template <class T>
  T operator()(const T* dy, const T* y, int64_t k) const {
    static_assert(kOp == ActivationOp::Relu || kOp == ActivationOp::LeakyRelu);
    using Bits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
    const Bits positive = Bits(0) - static_cast<Bits>(y[k] > 0);  // all ones where y > 0
    const Bits slope = (std::bit_cast<Bits>(T(1)) & positive) |
                       (std::bit_cast<Bits>(kOp == ActivationOp::Relu ? T(0) : static_cast<T>(alpha)) & ~positive);
    return dy[k] * std::bit_cast<T>(slope);
  }
  template <class T>
  Doubles lanes(const T* dy, const T* y, int64_t k) const {
    using V = typename LanesOf<T>::type;
    const V one = V{} + T(1), negative = V{} + (kOp == ActivationOp::Relu ? T(0) : static_cast<T>(alpha));
    const V product = load_lanes(dy + k) * (load_lanes(y + k) > 0 ? one : negative);
    return __builtin_convertvector(product, Doubles);
  }
};

// One walk for Σdy and Σdy·(x - mean), one for dx = k·dy + b - a·(x - mean), where
// dx = gamma·invstd·(dy - dbeta/m - x̂·dgamma/m) with x̂ = (x - mean)·invstd. For x [N, C],
// along the rows as in forward_train. `yd` is the fused activation's output (absent for Plain).
template <class T, class Grad = Plain>
void backward(const TensorDesc& dyd, const TensorDesc& xd, const TensorDesc& gamma, const TensorDesc& smean,
              const TensorDesc& sinvstd, const TensorDesc& dxd, const TensorDesc& dgamma, const TensorDesc& dbeta,
              const TensorDesc& yd = absent, Grad grad = {}) {
  const ChannelLayout g(xd);
  const T* x = typed<const T>(xd);
  const T* dy = typed<const T>(dyd);
  const T* y = yd.present() ? typed<const T>(yd) : dy;
  const double count = static_cast<double>(g.count());
  auto mean_of = [&](int64_t c) { return static_cast<double>(typed<const T>(smean)[c]); };
  // stores dgamma and dbeta of channel c and returns dx's coefficients {k, b, a}
  auto coefficients = [&](int64_t c, double sum_dy, double sum_dy_centred) {
    const double invstd = static_cast<double>(typed<const T>(sinvstd)[c]);
    const double sum_dy_xhat = sum_dy_centred * invstd;
    if (dbeta.present()) typed<T>(dbeta)[c] = static_cast<T>(sum_dy);
    if (dgamma.present()) typed<T>(dgamma)[c] = static_cast<T>(sum_dy_xhat);
    const double k = value_or<T>(gamma, c, 1.0) * invstd;
    return std::array<double, 3>{k, -k * sum_dy / count, k * invstd * sum_dy_xhat / count};
  };
  if (g.s == 1) {
    cpu::parallel_for(g.c, 2 * g.n, [&](int64_t begin, int64_t end) {
      const int64_t width = end - begin;
      std::vector<double> mean(width), sum_dy(width, 0.0), sum_dy_centred(width, 0.0);
      for (int64_t w = 0; w < width; ++w) mean[w] = mean_of(begin + w);
      for (int64_t i = 0; i < g.n; ++i) {
        const T* px = x + g.run(i, begin);
        const T* pg = dy + g.run(i, begin);
        const T* py = y + g.run(i, begin);
        for (int64_t w = 0; w < width; ++w) {
          const double d = static_cast<double>(grad(pg, py, w));
          sum_dy[w] += d;
          sum_dy_centred[w] += d * (static_cast<double>(px[w]) - mean[w]);
        }
      }
      std::vector<std::array<double, 3>> kba(width);
      for (int64_t w = 0; w < width; ++w) kba[w] = coefficients(begin + w, sum_dy[w], sum_dy_centred[w]);
      if (!dxd.present()) return;
      for (int64_t i = 0; i < g.n; ++i) {
        const T* px = x + g.run(i, begin);
        const T* pg = dy + g.run(i, begin);
        const T* py = y + g.run(i, begin);
        T* pdx = typed<T>(dxd) + g.run(i, begin);
        for (int64_t w = 0; w < width; ++w) {
          const auto [k, b, a] = kba[w];
          pdx[w] = static_cast<T>(k * static_cast<double>(grad(pg, py, w)) + b - a * (static_cast<double>(px[w]) - mean[w]));
        }
      }
    });
    return;
  }
  cpu::parallel_for(g.c, 2 * g.count(), [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; ++c) {
      const double mean = mean_of(c);
      double sum_dy = 0, sum_dy_centred = 0;
      for (int64_t i = 0; i < g.n; ++i) {
        const T* px = x + g.run(i, c);
        const T* pg = dy + g.run(i, c);
        const T* py = y + g.run(i, c);
        Doubles lanes_dy = {}, lanes_dyc = {};
        int64_t k = 0;
        for (; k + kLanes <= g.s; k += kLanes) {
          const Doubles d = grad.lanes(pg, py, k);
          lanes_dy += d;
          lanes_dyc += d * (load_doubles(px + k) - mean);
        }
        for (; k < g.s; ++k) {
          const double d = static_cast<double>(grad(pg, py, k));
          sum_dy += d;
          sum_dy_centred += d * (static_cast<double>(px[k]) - mean);
        }
        for (int l = 0; l < kLanes; ++l) {
          sum_dy += lanes_dy[l];
          sum_dy_centred += lanes_dyc[l];
        }
      }
      const auto [k, b, a] = coefficients(c, sum_dy, sum_dy_centred);
      if (!dxd.present()) continue;
      for (int64_t i = 0; i < g.n; ++i) {
        const T* px = x + g.run(i, c);
        const T* pg = dy + g.run(i, c);
        const T* py = y + g.run(i, c);
        T* pdx = typed<T>(dxd) + g.run(i, c);
        int64_t j = 0;
        for (; j + kLanes <= g.s; j += kLanes) {
          const Doubles v = k * grad.lanes(pg, py, j) + b - a * (load_doubles(px + j) - mean);
          const typename LanesOf<T>::type out = __builtin_convertvector(v, typename LanesOf<T>::type);
          std::memcpy(pdx + j, &out, sizeof out);
        }
        for (; j < g.s; ++j)
          pdx[j] = static_cast<T>(k * static_cast<double>(grad(pg, py, j)) + b - a * (static_cast<double>(px[j]) - mean));
      }
    }
  });
}

}  // namespace

void CpuBackend::batch_norm_forward_train(const TensorDesc& x, const TensorDesc& gamma, const TensorDesc& beta,
                                          const TensorDesc& running_mean, const TensorDesc& running_var,
                                          double momentum, double eps, const TensorDesc& y, const TensorDesc& save_mean,
                                          const TensorDesc& save_invstd) {
  if (x.dtype == DType::F32)
    forward_train<float>(x, gamma, beta, running_mean, running_var, momentum, eps, y, save_mean, save_invstd);
  else
    forward_train<double>(x, gamma, beta, running_mean, running_var, momentum, eps, y, save_mean, save_invstd);
}

void CpuBackend::batch_norm_forward_eval(const TensorDesc& x, const TensorDesc& gamma, const TensorDesc& beta,
                                         const TensorDesc& running_mean, const TensorDesc& running_var, double eps,
                                         const TensorDesc& y) {
  if (x.dtype == DType::F32)
    forward_eval<float>(x, gamma, beta, running_mean, running_var, eps, y);
  else
    forward_eval<double>(x, gamma, beta, running_mean, running_var, eps, y);
}

void CpuBackend::batch_norm_backward(const TensorDesc& dy, const TensorDesc& x, const TensorDesc& gamma,
                                     const TensorDesc& save_mean, const TensorDesc& save_invstd, const TensorDesc& dx,
                                     const TensorDesc& dgamma, const TensorDesc& dbeta) {
  if (x.dtype == DType::F32)
    backward<float>(dy, x, gamma, save_mean, save_invstd, dx, dgamma, dbeta);
  else
    backward<double>(dy, x, gamma, save_mean, save_invstd, dx, dgamma, dbeta);
}

// Fused with ReLU or LeakyReLU (slope >= 0), the cases nn::Sequential fuses; any other
// activation goes through Backend's composition of the two primitives.
namespace {
bool fusable(ActivationOp op, double alpha) {
  return op == ActivationOp::Relu || (op == ActivationOp::LeakyRelu && alpha >= 0);
}
}  // namespace

void CpuBackend::batch_norm_act_forward_train(ActivationOp op, double alpha, const TensorDesc& x, const TensorDesc& gamma,
                                              const TensorDesc& beta, const TensorDesc& running_mean,
                                              const TensorDesc& running_var, double momentum, double eps,
                                              const TensorDesc& y, const TensorDesc& save_mean,
                                              const TensorDesc& save_invstd) {
  if (!fusable(op, alpha)) {
    Backend::batch_norm_act_forward_train(op, alpha, x, gamma, beta, running_mean, running_var, momentum, eps, y,
                                          save_mean, save_invstd);
    return;
  }
  dispatch_floating("batch_norm_act_forward_train", x.dtype, [&](auto type) {
    using T = decltype(type);
    auto run = [&](auto post) {
      forward_train<T>(x, gamma, beta, running_mean, running_var, momentum, eps, y, save_mean, save_invstd, post);
    };
    if (op == ActivationOp::Relu)
      run(Activated<ActivationOp::Relu>{alpha});
    else
      run(Activated<ActivationOp::LeakyRelu>{alpha});
  });
}

void CpuBackend::batch_norm_act_backward(ActivationOp op, double alpha, const TensorDesc& dy, const TensorDesc& y,
                                         const TensorDesc& x, const TensorDesc& gamma, const TensorDesc& save_mean,
                                         const TensorDesc& save_invstd, const TensorDesc& dx, const TensorDesc& dgamma,
                                         const TensorDesc& dbeta) {
  if (!fusable(op, alpha)) {
    Backend::batch_norm_act_backward(op, alpha, dy, y, x, gamma, save_mean, save_invstd, dx, dgamma, dbeta);
    return;
  }
  dispatch_floating("batch_norm_act_backward", x.dtype, [&](auto type) {
    using T = decltype(type);
    auto run = [&](auto grad) { backward<T>(dy, x, gamma, save_mean, save_invstd, dx, dgamma, dbeta, y, grad); };
    if (op == ActivationOp::Relu)
      run(ThroughActivation<ActivationOp::Relu>{alpha});
    else
      run(ThroughActivation<ActivationOp::LeakyRelu>{alpha});
  });
}

}  // namespace ganforge::kernels
