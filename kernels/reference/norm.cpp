// Reference batch norm over x [N, C, S] (any rank >= 2 is read as N, C and the product of
// the remaining dims): for each channel, two passes in double for the mean and the biased
// variance, then the normalised output. Instance norm is this with N·C channels.
#include <cmath>

#include "kernels/common/layer_geometry.h"
#include "kernels/reference/element_access.h"
#include "kernels/reference/reference_backend.h"

namespace ganforge::kernels {
namespace {

using namespace reference;  // element_access.h

// y = (x - mean)·invstd·γ + β over channel c (γ = 1, β = 0 when absent).
void normalise_channel(const ChannelLayout& g, int64_t c, const TensorDesc& x, double mean, double invstd,
                       const TensorDesc& gamma, const TensorDesc& beta, const TensorDesc& y) {
  const double scale = gamma.present() ? get(gamma, c) : 1.0;
  const double shift = beta.present() ? get(beta, c) : 0.0;
  for (int64_t n = 0; n < g.n; ++n)
    for (int64_t s = 0; s < g.s; ++s) {
      const int64_t i = g.run(n, c) + s;
      put(y, i, (get(x, i) - mean) * invstd * scale + shift);
    }
}

}  // namespace

void ReferenceBackend::batch_norm_forward_train(const TensorDesc& x, const TensorDesc& gamma, const TensorDesc& beta,
                                                const TensorDesc& running_mean, const TensorDesc& running_var,
                                                double momentum, double eps, const TensorDesc& y,
                                                const TensorDesc& save_mean, const TensorDesc& save_invstd) {
  const ChannelLayout g(x);
  const double count = static_cast<double>(g.count());
  for (int64_t c = 0; c < g.c; ++c) {
    double sum = 0;
    for (int64_t n = 0; n < g.n; ++n)
      for (int64_t s = 0; s < g.s; ++s) sum += get(x, g.run(n, c) + s);
    const double mean = sum / count;
    double squares = 0;
    for (int64_t n = 0; n < g.n; ++n)
      for (int64_t s = 0; s < g.s; ++s) {
        const double d = get(x, g.run(n, c) + s) - mean;
        squares += d * d;
      }
    const double var = squares / count;  // biased: what normalises the batch
    const double invstd = 1 / std::sqrt(var + eps);
    normalise_channel(g, c, x, mean, invstd, gamma, beta, y);
    if (save_mean.present()) put(save_mean, c, mean);
    if (save_invstd.present()) put(save_invstd, c, invstd);
    // PyTorch: running = (1 - momentum)·running + momentum·batch, with the unbiased variance
    if (running_mean.present()) put(running_mean, c, (1 - momentum) * get(running_mean, c) + momentum * mean);
    if (running_var.present())
      put(running_var, c, (1 - momentum) * get(running_var, c) + momentum * squares / (count - 1));
  }
}

void ReferenceBackend::batch_norm_forward_eval(const TensorDesc& x, const TensorDesc& gamma, const TensorDesc& beta,
                                               const TensorDesc& running_mean, const TensorDesc& running_var,
                                               double eps, const TensorDesc& y) {
  const ChannelLayout g(x);
  for (int64_t c = 0; c < g.c; ++c) {
    normalise_channel(g, c, x, get(running_mean, c), 1 / std::sqrt(get(running_var, c) + eps), gamma, beta, y);
  }
}

// With x̂ = (x - mean)·invstd and m values per channel:
//   dbeta = Σ dy,  dgamma = Σ dy·x̂,  dx = gamma·invstd·(dy - dbeta/m - x̂·dgamma/m).
void ReferenceBackend::batch_norm_backward(const TensorDesc& dy, const TensorDesc& x, const TensorDesc& gamma,
                                           const TensorDesc& save_mean, const TensorDesc& save_invstd,
                                           const TensorDesc& dx, const TensorDesc& dgamma, const TensorDesc& dbeta) {
  const ChannelLayout g(x);
  const double count = static_cast<double>(g.count());
  for (int64_t c = 0; c < g.c; ++c) {
    const double mean = get(save_mean, c), invstd = get(save_invstd, c);
    double sum_dy = 0, sum_dy_xhat = 0;
    for (int64_t n = 0; n < g.n; ++n)
      for (int64_t s = 0; s < g.s; ++s) {
        const int64_t i = g.run(n, c) + s;
        sum_dy += get(dy, i);
        sum_dy_xhat += get(dy, i) * (get(x, i) - mean) * invstd;
      }
    if (dbeta.present()) put(dbeta, c, sum_dy);
    if (dgamma.present()) put(dgamma, c, sum_dy_xhat);
    if (!dx.present()) continue;
    const double k = (gamma.present() ? get(gamma, c) : 1.0) * invstd;
    for (int64_t n = 0; n < g.n; ++n)
      for (int64_t s = 0; s < g.s; ++s) {
        const int64_t i = g.run(n, c) + s;
        const double xhat = (get(x, i) - mean) * invstd;
        put(dx, i, k * (get(dy, i) - sum_dy / count - xhat * sum_dy_xhat / count));
      }
  }
}

}  // namespace ganforge::kernels
