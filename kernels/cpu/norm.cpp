// cpu batch norm over x [N, C, S]. Channels are split over threads when each thread gets
// enough values (parallel.h). A channel is N contiguous runs of S values; it is walked
// once for the sum, once for the squared deviations (two passes: no cancellation) and once
// for the output, but after the first walk its slice sits in cache, so memory sees one read
// of x and one write of y. Statistics accumulate in double over eight lanes (vectorised, no
// add latency chain), and the per-element affine map also runs in double: the loops are
// memory bound, and an f32 result is then the exact formula rounded once.
#include <cmath>

#include "kernels/common/layer_geometry.h"
#include "kernels/cpu/cpu_backend.h"
#include "kernels/cpu/lanes.h"
#include "kernels/cpu/map.h"

namespace ganforge::kernels {

namespace {

constexpr int kLanes = cpu::kSumLanes;

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

// y = (x - mean)·scale + shift over one channel.
template <class T>
void normalise(const ChannelLayout& g, int64_t c, const T* x, T* y, double mean, double scale, double shift) {
  for (int64_t i = 0; i < g.n; ++i) {
    const T* px = x + g.run(i, c);
    T* py = y + g.run(i, c);
    for (int64_t k = 0; k < g.s; ++k) py[k] = static_cast<T>((static_cast<double>(px[k]) - mean) * scale + shift);
  }
}

template <class T>
double value_or(const TensorDesc& t, int64_t c, double fallback) {
  return t.present() ? static_cast<double>(typed<const T>(t)[c]) : fallback;
}

template <class T>
void forward_train(const TensorDesc& xd, const TensorDesc& gamma, const TensorDesc& beta, const TensorDesc& rmean,
                   const TensorDesc& rvar, double momentum, double eps, const TensorDesc& yd, const TensorDesc& smean,
                   const TensorDesc& sinvstd) {
  const ChannelLayout g(xd);
  const T* x = typed<const T>(xd);
  T* y = typed<T>(yd);
  const double count = static_cast<double>(g.count());
  cpu::parallel_for(g.c, 3 * g.count(), [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; ++c) {
      double sum = 0;
      for (int64_t i = 0; i < g.n; ++i) sum += cpu::sum_contiguous<double>(x + g.run(i, c), g.s);
      const double mean = sum / count;
      double squares = 0;
      for (int64_t i = 0; i < g.n; ++i) squares += squares_run(x + g.run(i, c), g.s, mean);
      const double invstd = 1 / std::sqrt(squares / count + eps);
      normalise(g, c, x, y, mean, value_or<T>(gamma, c, 1.0) * invstd, value_or<T>(beta, c, 0.0));
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

// One walk for Σdy and Σdy·(x - mean), one for dx = k·dy + b - a·(x - mean), where
// dx = gamma·invstd·(dy - dbeta/m - x̂·dgamma/m) with x̂ = (x - mean)·invstd.
template <class T>
void backward(const TensorDesc& dyd, const TensorDesc& xd, const TensorDesc& gamma, const TensorDesc& smean,
              const TensorDesc& sinvstd, const TensorDesc& dxd, const TensorDesc& dgamma, const TensorDesc& dbeta) {
  const ChannelLayout g(xd);
  const T* x = typed<const T>(xd);
  const T* dy = typed<const T>(dyd);
  const double count = static_cast<double>(g.count());
  cpu::parallel_for(g.c, 2 * g.count(), [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; ++c) {
      const double mean = static_cast<double>(typed<const T>(smean)[c]);
      const double invstd = static_cast<double>(typed<const T>(sinvstd)[c]);
      double sum_dy = 0, sum_dy_centred = 0;
      for (int64_t i = 0; i < g.n; ++i) {
        const T* px = x + g.run(i, c);
        const T* pg = dy + g.run(i, c);
        double lanes_dy[kLanes] = {}, lanes_dyc[kLanes] = {};
        int64_t k = 0;
        for (; k + kLanes <= g.s; k += kLanes)
          for (int l = 0; l < kLanes; ++l) {
            const double d = static_cast<double>(pg[k + l]);
            lanes_dy[l] += d;
            lanes_dyc[l] += d * (static_cast<double>(px[k + l]) - mean);
          }
        for (; k < g.s; ++k) {
          const double d = static_cast<double>(pg[k]);
          sum_dy += d;
          sum_dy_centred += d * (static_cast<double>(px[k]) - mean);
        }
        for (int l = 0; l < kLanes; ++l) {
          sum_dy += lanes_dy[l];
          sum_dy_centred += lanes_dyc[l];
        }
      }
      const double sum_dy_xhat = sum_dy_centred * invstd;
      if (dbeta.present()) typed<T>(dbeta)[c] = static_cast<T>(sum_dy);
      if (dgamma.present()) typed<T>(dgamma)[c] = static_cast<T>(sum_dy_xhat);
      if (!dxd.present()) continue;
      const double k = value_or<T>(gamma, c, 1.0) * invstd;
      const double b = -k * sum_dy / count, a = k * invstd * sum_dy_xhat / count;
      for (int64_t i = 0; i < g.n; ++i) {
        const T* px = x + g.run(i, c);
        const T* pg = dy + g.run(i, c);
        T* pdx = typed<T>(dxd) + g.run(i, c);
        for (int64_t j = 0; j < g.s; ++j)
          pdx[j] = static_cast<T>(k * static_cast<double>(pg[j]) + b - a * (static_cast<double>(px[j]) - mean));
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

}  // namespace ganforge::kernels
