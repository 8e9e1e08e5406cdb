// Reference batch norm over x [N, C, S] (any rank >= 2 is read as N, C and the product of
// the remaining dims): for each channel, two passes in double for the mean and the biased
// variance, then the normalised output. Instance norm is this with N·C channels.
#include <cmath>

#include "kernels/reference/reference_backend.h"

namespace ganforge::kernels {
namespace {

// The geometry of a contiguous [N, C, S] tensor, and element access by (n, c, s).
struct Channels {
  int64_t n = 1, c = 1, s = 1;
  explicit Channels(const TensorDesc& x) {
    n = x.shape[0];
    c = x.ndim > 1 ? x.shape[1] : 1;
    for (int d = 2; d < x.ndim; ++d) s *= x.shape[d];
  }
  int64_t count() const { return n * s; }  // values per channel
  int64_t at(int64_t i, int64_t ch, int64_t k) const { return (i * c + ch) * s + k; }
};

double get(const TensorDesc& t, int64_t i) {
  return t.dtype == DType::F32 ? static_cast<const float*>(t.data)[i] : static_cast<const double*>(t.data)[i];
}

void put(const TensorDesc& t, int64_t i, double v) {
  if (t.dtype == DType::F32)
    static_cast<float*>(t.data)[i] = static_cast<float>(v);
  else
    static_cast<double*>(t.data)[i] = v;
}

bool present(const TensorDesc& t) { return t.data != nullptr; }

}  // namespace

void ReferenceBackend::batch_norm_forward_train(const TensorDesc& x, const TensorDesc& gamma, const TensorDesc& beta,
                                                const TensorDesc& running_mean, const TensorDesc& running_var,
                                                double momentum, double eps, const TensorDesc& y,
                                                const TensorDesc& save_mean, const TensorDesc& save_invstd) {
  const Channels g(x);
  const double count = static_cast<double>(g.count());
  for (int64_t c = 0; c < g.c; ++c) {
    double sum = 0;
    for (int64_t n = 0; n < g.n; ++n)
      for (int64_t s = 0; s < g.s; ++s) sum += get(x, g.at(n, c, s));
    const double mean = sum / count;
    double squares = 0;
    for (int64_t n = 0; n < g.n; ++n)
      for (int64_t s = 0; s < g.s; ++s) {
        const double d = get(x, g.at(n, c, s)) - mean;
        squares += d * d;
      }
    const double var = squares / count;  // biased: what normalises the batch
    const double invstd = 1 / std::sqrt(var + eps);
    const double scale = present(gamma) ? get(gamma, c) : 1.0;
    const double shift = present(beta) ? get(beta, c) : 0.0;
    for (int64_t n = 0; n < g.n; ++n)
      for (int64_t s = 0; s < g.s; ++s) {
        const int64_t i = g.at(n, c, s);
        put(y, i, (get(x, i) - mean) * invstd * scale + shift);
      }
    if (present(save_mean)) put(save_mean, c, mean);
    if (present(save_invstd)) put(save_invstd, c, invstd);
    // PyTorch: running = (1 - momentum)·running + momentum·batch, with the unbiased variance
    if (present(running_mean)) put(running_mean, c, (1 - momentum) * get(running_mean, c) + momentum * mean);
    if (present(running_var))
      put(running_var, c, (1 - momentum) * get(running_var, c) + momentum * squares / (count - 1));
  }
}

void ReferenceBackend::batch_norm_forward_eval(const TensorDesc& x, const TensorDesc& gamma, const TensorDesc& beta,
                                               const TensorDesc& running_mean, const TensorDesc& running_var,
                                               double eps, const TensorDesc& y) {
  const Channels g(x);
  for (int64_t c = 0; c < g.c; ++c) {
    const double mean = get(running_mean, c);
    const double invstd = 1 / std::sqrt(get(running_var, c) + eps);
    const double scale = present(gamma) ? get(gamma, c) : 1.0;
    const double shift = present(beta) ? get(beta, c) : 0.0;
    for (int64_t n = 0; n < g.n; ++n)
      for (int64_t s = 0; s < g.s; ++s) {
        const int64_t i = g.at(n, c, s);
        put(y, i, (get(x, i) - mean) * invstd * scale + shift);
      }
  }
}

// With x̂ = (x - mean)·invstd and m values per channel:
//   dbeta = Σ dy,  dgamma = Σ dy·x̂,  dx = gamma·invstd·(dy - dbeta/m - x̂·dgamma/m).
void ReferenceBackend::batch_norm_backward(const TensorDesc& dy, const TensorDesc& x, const TensorDesc& gamma,
                                           const TensorDesc& save_mean, const TensorDesc& save_invstd,
                                           const TensorDesc& dx, const TensorDesc& dgamma, const TensorDesc& dbeta) {
  const Channels g(x);
  const double count = static_cast<double>(g.count());
  for (int64_t c = 0; c < g.c; ++c) {
    const double mean = get(save_mean, c), invstd = get(save_invstd, c);
    double sum_dy = 0, sum_dy_xhat = 0;
    for (int64_t n = 0; n < g.n; ++n)
      for (int64_t s = 0; s < g.s; ++s) {
        const int64_t i = g.at(n, c, s);
        sum_dy += get(dy, i);
        sum_dy_xhat += get(dy, i) * (get(x, i) - mean) * invstd;
      }
    if (present(dbeta)) put(dbeta, c, sum_dy);
    if (present(dgamma)) put(dgamma, c, sum_dy_xhat);
    if (!present(dx)) continue;
    const double k = (present(gamma) ? get(gamma, c) : 1.0) * invstd;
    for (int64_t n = 0; n < g.n; ++n)
      for (int64_t s = 0; s < g.s; ++s) {
        const int64_t i = g.at(n, c, s);
        const double xhat = (get(x, i) - mean) * invstd;
        put(dx, i, k * (get(dy, i) - sum_dy / count - xhat * sum_dy_xhat / count));
      }
  }
}

}  // namespace ganforge::kernels
