#include "kernels/vendor/onednn_backend.h"

#include <omp.h>

#include <cmath>
#include <dnnl.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "kernels/common/dtype_dispatch.h"
#include "kernels/common/layer_geometry.h"
#include "kernels/cpu/parallel.h"

namespace ganforge::kernels {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

dnnl::engine& engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

// oneDNN runs its OpenMP regions with omp_get_max_threads(): the cpu backend's thread cap
// (GANFORGE_NUM_THREADS) applies to it too.
dnnl::stream stream_for_call() {
  omp_set_num_threads(cpu::max_threads());
  return dnnl::stream(engine());
}

memory::dims dims_of(const TensorDesc& t) { return memory::dims(t.shape, t.shape + t.ndim); }
memory::desc plain(const memory::dims& dims) {
  return memory::desc(dims, dt::f32, dims.size() == 4 ? tag::nchw : (dims.size() == 2 ? tag::nc : tag::x));
}
memory wrap(const memory::desc& md, const TensorDesc& t) { return memory(md, engine(), t.data); }

bool contiguous_f32(std::initializer_list<const TensorDesc*> tensors) {
  for (const TensorDesc* t : tensors)
    if (t->present() && (t->dtype != DType::F32 || !t->is_contiguous())) return false;
  return true;
}

std::string key_of(const char* what, std::initializer_list<int64_t> values) {
  std::string key = what;
  for (int64_t v : values) {
    key += ',';
    key += std::to_string(v);
  }
  return key;
}

// One object per key, made on first use; a key whose make() threw dnnl::error is remembered as
// unsupported (null), so that shape goes to the cpu backend without asking oneDNN again.
template <class T, class Make>
T* cached(const std::string& key, Make make) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<T>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(key);
  if (it == cache.end()) {
    std::unique_ptr<T> made;
    try {
      made = std::make_unique<T>(make());
    } catch (const dnnl::error&) {
    }
    it = cache.emplace(key, std::move(made)).first;
  }
  return it->second.get();
}

// ---------------------------------------------------------------------------- convolution

// The geometry of x [N, Ci, H, W] * w [Co, Ci, kh, kw] -> y [N, Co, Ho, Wo] in oneDNN's terms.
// oneDNN wants the right/bottom padding that makes (in + pl + pr - extent) / stride + 1 the
// output size exactly; GANForge's may be larger than needed (never read), so it is recomputed.
struct ConvGeometry {
  memory::dims x, w, y, strides, dilates, pad_l, pad_r;
  bool valid = true;
  std::string key(const char* pass, bool bias) const {
    return key_of(pass, {x[0], x[1], x[2], x[3], w[0], w[2], w[3], y[2], y[3], strides[0], strides[1], dilates[0], dilates[1],
                         pad_l[0], pad_l[1], pad_r[0], pad_r[1], bias});
  }
};

ConvGeometry conv_geometry(const ConvParams& p, const TensorDesc& x, const TensorDesc& w, const TensorDesc& y) {
  ConvGeometry g{dims_of(x), dims_of(w), dims_of(y), {p.stride_h, p.stride_w}, {p.dilation_h - 1, p.dilation_w - 1},
                 {p.pad_top, p.pad_left}, {0, 0}};
  for (int d = 0; d < 2; ++d) {
    const int64_t in = g.x[2 + d], out = g.y[2 + d], extent = (g.dilates[d] + 1) * (g.w[2 + d] - 1) + 1;
    g.pad_r[d] = std::max<int64_t>(0, (out - 1) * g.strides[d] + extent - in - g.pad_l[d]);
    const int64_t span = in + g.pad_l[d] + g.pad_r[d] - extent;
    g.valid = g.valid && span >= 0 && span / g.strides[d] + 1 == out;
  }
  return g;
}

// The weights as oneDNN's primitive wants them, and the reorder from (or to) GANForge's oihw.
struct WeightsInLayout {
  memory::desc wanted;
  std::optional<dnnl::reorder> reorder;  // none when the layouts agree
  memory buffer;
  WeightsInLayout(const memory::desc& wanted_desc, const memory::dims& dims, bool into_wanted) : wanted(wanted_desc) {
    const memory::desc user(dims, dt::f32, tag::oihw);
    if (wanted == user) return;
    buffer = memory(wanted, engine());
    reorder = into_wanted ? dnnl::reorder(dnnl::reorder::primitive_desc(engine(), user, engine(), wanted))
                          : dnnl::reorder(dnnl::reorder::primitive_desc(engine(), wanted, engine(), user));
  }
  memory user_memory(const TensorDesc& w) const { return memory(memory::desc(dims_of(w), dt::f32, tag::oihw), engine(), w.data); }
};

struct Fprop {
  dnnl::convolution_forward::primitive_desc pd;
  dnnl::convolution_forward primitive;
  WeightsInLayout weights;
};

struct Dgrad {
  dnnl::convolution_backward_data::primitive_desc pd;
  dnnl::convolution_backward_data primitive;
  WeightsInLayout weights;
};

struct Wgrad {
  dnnl::convolution_backward_weights::primitive_desc pd;
  dnnl::convolution_backward_weights primitive;
  WeightsInLayout weights;
};

memory::desc any_weights(const ConvGeometry& g) { return memory::desc(g.w, dt::f32, tag::any); }

dnnl::convolution_forward::primitive_desc forward_pd(const ConvGeometry& g, bool bias) {
  const auto kind = dnnl::prop_kind::forward_training;
  const auto algorithm = dnnl::algorithm::convolution_direct;
  const auto desc = bias ? dnnl::convolution_forward::desc(kind, algorithm, plain(g.x), any_weights(g), plain({g.w[0]}), plain(g.y),
                                                           g.strides, g.dilates, g.pad_l, g.pad_r)
                         : dnnl::convolution_forward::desc(kind, algorithm, plain(g.x), any_weights(g), plain(g.y), g.strides,
                                                           g.dilates, g.pad_l, g.pad_r);
  return dnnl::convolution_forward::primitive_desc(desc, engine());
}

// Reorders GANForge's weights into the primitive's layout when they differ; the memory to pass.
memory weights_for(const WeightsInLayout& layout, const TensorDesc& w, dnnl::stream& s) {
  memory user = layout.user_memory(w);
  if (!layout.reorder) return user;
  memory wanted = layout.buffer;  // a handle to the same buffer
  layout.reorder->execute(s, user, wanted);
  return wanted;
}

// dx += bias, per channel: oneDNN's backward-data has no bias (a transposed convolution's has).
void add_bias(const TensorDesc& bias, const TensorDesc& out) {
  if (!bias.present()) return;
  const ChannelLayout g(out);
  const float* b = typed<const float>(bias);
  float* o = typed<float>(out);
  cpu::parallel_for(g.n * g.c, g.s, [&](int64_t begin, int64_t end) {
    for (int64_t run = begin; run < end; ++run)
      for (int64_t k = 0; k < g.s; ++k) o[run * g.s + k] += b[run % g.c];
  });
}

// ---------------------------------------------------------------------------- batch norm

// x [N, C, S] as oneDNN's [N, C, S, 1].
memory::desc bn_data(const TensorDesc& x) {
  const ChannelLayout g(x);
  return memory::desc({g.n, g.c, g.s, 1}, dt::f32, tag::nchw);
}

dnnl::normalization_flags affine_flags(bool scale, bool shift) {
  auto flags = dnnl::normalization_flags::none;
  if (scale) flags |= dnnl::normalization_flags::use_scale;
  if (shift) flags |= dnnl::normalization_flags::use_shift;
  return flags;
}

dnnl::batch_normalization_forward::primitive_desc bn_forward_pd(const TensorDesc& x, double eps, dnnl::prop_kind kind,
                                                                dnnl::normalization_flags flags) {
  return dnnl::batch_normalization_forward::primitive_desc(
      dnnl::batch_normalization_forward::desc(kind, bn_data(x), static_cast<float>(eps), flags), engine());
}

struct BnForward {
  dnnl::batch_normalization_forward::primitive_desc pd;
  dnnl::batch_normalization_forward primitive;
};

struct BnBackward {
  dnnl::batch_normalization_backward::primitive_desc pd;
  dnnl::batch_normalization_backward primitive;
};

// Per-channel f32 scratch of the calling thread (statistics, unit scales, unwanted outputs).
float* channel_scratch(int slot, int64_t channels) {
  thread_local std::vector<float> buffers[5];
  std::vector<float>& b = buffers[slot];
  if (static_cast<int64_t>(b.size()) < channels) b.resize(static_cast<size_t>(channels));
  return b.data();
}

// ---------------------------------------------------------------------------- GEMM

// One matrix of a GEMM as a row-major BLAS operand: 'N' with leading dimension = its row stride,
// or 'T' (stored transposed) with leading dimension = its column stride.
struct BlasOperand {
  char trans = 'N';
  int64_t ld = 1;
  bool representable = false;
};

BlasOperand blas_operand(const MatrixDesc& m, int64_t rows, int64_t cols) {
  if (m.col_stride == 1 && (rows == 1 || m.row_stride >= std::max<int64_t>(cols, 1)))
    return {'N', rows == 1 ? std::max<int64_t>(cols, 1) : m.row_stride, true};
  if (m.row_stride == 1 && (cols == 1 || m.col_stride >= std::max<int64_t>(rows, 1)))
    return {'T', cols == 1 ? std::max<int64_t>(rows, 1) : m.col_stride, true};
  return {};
}

}  // namespace

void OnednnBackend::gemm(const GemmDesc& g) {
  const BlasOperand a = blas_operand(g.a, g.m, g.k), b = blas_operand(g.b, g.k, g.n), c = blas_operand(g.c, g.m, g.n);
  if (g.dtype != DType::F32 || g.m == 0 || g.n == 0 || g.k == 0 || !a.representable || !b.representable ||
      !c.representable || c.trans != 'N') {
    CpuBackend::gemm(g);
    return;
  }
  omp_set_num_threads(cpu::max_threads());
  for (int64_t i = 0; i < g.batch; ++i) {
    const float* pa = static_cast<const float*>(g.a.data) + i * g.a.batch_stride;
    const float* pb = static_cast<const float*>(g.b.data) + i * g.b.batch_stride;
    float* pc = static_cast<float*>(g.c.data) + i * g.c.batch_stride;
    if (dnnl_sgemm(a.trans, b.trans, g.m, g.n, g.k, static_cast<float>(g.alpha), pa, a.ld, pb, b.ld,
                   static_cast<float>(g.beta), pc, c.ld) != dnnl_success)
      throw std::runtime_error("onednn gemm: dnnl_sgemm failed for " + std::to_string(g.m) + "x" + std::to_string(g.k) +
                               " by " + std::to_string(g.k) + "x" + std::to_string(g.n));
  }
}

void OnednnBackend::conv2d_fprop(const ConvParams& p, const TensorDesc& x, const TensorDesc& w, const TensorDesc& bias,
                                 const TensorDesc& y) {
  const ConvGeometry g = conv_geometry(p, x, w, y);
  Fprop* f = g.valid && contiguous_f32({&x, &w, &bias, &y}) && y.numel() > 0 ? cached<Fprop>(g.key("fprop", bias.present()), [&] {
    auto pd = forward_pd(g, bias.present());
    return Fprop{pd, dnnl::convolution_forward(pd), WeightsInLayout(pd.weights_desc(), g.w, true)};
  })
                                                                               : nullptr;
  if (f == nullptr) {
    CpuBackend::conv2d_fprop(p, x, w, bias, y);
    return;
  }
  dnnl::stream s = stream_for_call();
  std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, wrap(plain(g.x), x)},
                                          {DNNL_ARG_WEIGHTS, weights_for(f->weights, w, s)},
                                          {DNNL_ARG_DST, wrap(plain(g.y), y)}};
  if (bias.present()) args[DNNL_ARG_BIAS] = wrap(plain({g.w[0]}), bias);
  f->primitive.execute(s, args);
  s.wait();
}

void OnednnBackend::conv2d_dgrad(const ConvParams& p, const TensorDesc& dy, const TensorDesc& w, const TensorDesc& bias,
                                 const TensorDesc& dx) {
  const ConvGeometry g = conv_geometry(p, dx, w, dy);
  Dgrad* d = g.valid && contiguous_f32({&dy, &w, &bias, &dx}) && dx.numel() > 0 ? cached<Dgrad>(g.key("dgrad", false), [&] {
    const dnnl::convolution_backward_data::desc desc(dnnl::algorithm::convolution_direct, plain(g.x), any_weights(g), plain(g.y),
                                                     g.strides, g.dilates, g.pad_l, g.pad_r);
    const dnnl::convolution_backward_data::primitive_desc pd(desc, engine(), forward_pd(g, false));
    return Dgrad{pd, dnnl::convolution_backward_data(pd), WeightsInLayout(pd.weights_desc(), g.w, true)};
  })
                                                                                 : nullptr;
  if (d == nullptr) {
    CpuBackend::conv2d_dgrad(p, dy, w, bias, dx);
    return;
  }
  dnnl::stream s = stream_for_call();
  d->primitive.execute(s, {{DNNL_ARG_DIFF_DST, wrap(plain(g.y), dy)},
                           {DNNL_ARG_WEIGHTS, weights_for(d->weights, w, s)},
                           {DNNL_ARG_DIFF_SRC, wrap(plain(g.x), dx)}});
  s.wait();
  add_bias(bias, dx);
}

void OnednnBackend::conv2d_wgrad(const ConvParams& p, const TensorDesc& x, const TensorDesc& dy, const TensorDesc& dw,
                                 const TensorDesc& dbias) {
  const ConvGeometry g = conv_geometry(p, x, dw, dy);
  Wgrad* wg = g.valid && contiguous_f32({&x, &dy, &dw, &dbias}) && dy.numel() > 0
                  ? cached<Wgrad>(g.key("wgrad", dbias.present()), [&] {
                      const auto algorithm = dnnl::algorithm::convolution_direct;
                      const auto desc =
                          dbias.present()
                              ? dnnl::convolution_backward_weights::desc(algorithm, plain(g.x), any_weights(g), plain({g.w[0]}),
                                                                         plain(g.y), g.strides, g.dilates, g.pad_l, g.pad_r)
                              : dnnl::convolution_backward_weights::desc(algorithm, plain(g.x), any_weights(g), plain(g.y),
                                                                         g.strides, g.dilates, g.pad_l, g.pad_r);
                      const dnnl::convolution_backward_weights::primitive_desc pd(desc, engine(), forward_pd(g, dbias.present()));
                      return Wgrad{pd, dnnl::convolution_backward_weights(pd), WeightsInLayout(pd.diff_weights_desc(), g.w, false)};
                    })
                  : nullptr;
  if (wg == nullptr) {
    CpuBackend::conv2d_wgrad(p, x, dy, dw, dbias);
    return;
  }
  dnnl::stream s = stream_for_call();
  memory user = wg->weights.user_memory(dw);
  memory out = wg->weights.reorder ? wg->weights.buffer : user;
  std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, wrap(plain(g.x), x)},
                                          {DNNL_ARG_DIFF_DST, wrap(plain(g.y), dy)},
                                          {DNNL_ARG_DIFF_WEIGHTS, out}};
  if (dbias.present()) args[DNNL_ARG_DIFF_BIAS] = wrap(plain({g.w[0]}), dbias);
  wg->primitive.execute(s, args);
  if (wg->weights.reorder) wg->weights.reorder->execute(s, out, user);
  s.wait();
}

void OnednnBackend::batch_norm_forward_train(const TensorDesc& x, const TensorDesc& gamma, const TensorDesc& beta,
                                             const TensorDesc& running_mean, const TensorDesc& running_var,
                                             double momentum, double eps, const TensorDesc& y, const TensorDesc& save_mean,
                                             const TensorDesc& save_invstd) {
  const ChannelLayout c(x);
  const auto flags = affine_flags(gamma.present(), beta.present());
  BnForward* f = contiguous_f32({&x, &gamma, &beta, &running_mean, &running_var, &y, &save_mean, &save_invstd}) && c.count() > 0
                     ? cached<BnForward>(key_of("bn_train", {c.n, c.c, c.s, gamma.present(), beta.present(),
                                                             static_cast<int64_t>(std::llround(eps * 1e12))}),
                                         [&] {
                                           auto pd = bn_forward_pd(x, eps, dnnl::prop_kind::forward_training, flags);
                                           return BnForward{pd, dnnl::batch_normalization_forward(pd)};
                                         })
                     : nullptr;
  if (f == nullptr) {
    CpuBackend::batch_norm_forward_train(x, gamma, beta, running_mean, running_var, momentum, eps, y, save_mean, save_invstd);
    return;
  }
  const memory::desc channels = plain({c.c});
  float* mean = channel_scratch(0, c.c);
  float* variance = channel_scratch(1, c.c);
  dnnl::stream s = stream_for_call();
  std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, wrap(bn_data(x), x)},
                                          {DNNL_ARG_DST, wrap(bn_data(x), y)},
                                          {DNNL_ARG_MEAN, memory(channels, engine(), mean)},
                                          {DNNL_ARG_VARIANCE, memory(channels, engine(), variance)}};
  if (gamma.present()) args[DNNL_ARG_SCALE] = wrap(channels, gamma);
  if (beta.present()) args[DNNL_ARG_SHIFT] = wrap(channels, beta);
  f->primitive.execute(s, args);
  s.wait();
  // oneDNN gives the biased variance; the running buffer takes the unbiased one (PyTorch).
  const double unbiased = static_cast<double>(c.count()) / static_cast<double>(std::max<int64_t>(c.count() - 1, 1));
  for (int64_t k = 0; k < c.c; ++k) {
    if (save_mean.present()) typed<float>(save_mean)[k] = mean[k];
    if (save_invstd.present()) typed<float>(save_invstd)[k] = static_cast<float>(1 / std::sqrt(static_cast<double>(variance[k]) + eps));
    float* rm = running_mean.present() ? typed<float>(running_mean) + k : nullptr;
    float* rv = running_var.present() ? typed<float>(running_var) + k : nullptr;
    if (rm != nullptr) *rm = static_cast<float>((1 - momentum) * *rm + momentum * mean[k]);
    if (rv != nullptr) *rv = static_cast<float>((1 - momentum) * *rv + momentum * variance[k] * unbiased);
  }
}

void OnednnBackend::batch_norm_forward_eval(const TensorDesc& x, const TensorDesc& gamma, const TensorDesc& beta,
                                            const TensorDesc& running_mean, const TensorDesc& running_var, double eps,
                                            const TensorDesc& y) {
  const ChannelLayout c(x);
  const auto flags = affine_flags(gamma.present(), beta.present()) | dnnl::normalization_flags::use_global_stats;
  BnForward* f = contiguous_f32({&x, &gamma, &beta, &running_mean, &running_var, &y}) && c.count() > 0
                     ? cached<BnForward>(key_of("bn_eval", {c.n, c.c, c.s, gamma.present(), beta.present(),
                                                            static_cast<int64_t>(std::llround(eps * 1e12))}),
                                         [&] {
                                           auto pd = bn_forward_pd(x, eps, dnnl::prop_kind::forward_inference, flags);
                                           return BnForward{pd, dnnl::batch_normalization_forward(pd)};
                                         })
                     : nullptr;
  if (f == nullptr) {
    CpuBackend::batch_norm_forward_eval(x, gamma, beta, running_mean, running_var, eps, y);
    return;
  }
  const memory::desc channels = plain({c.c});
  dnnl::stream s = stream_for_call();
  std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, wrap(bn_data(x), x)},
                                          {DNNL_ARG_DST, wrap(bn_data(x), y)},
                                          {DNNL_ARG_MEAN, wrap(channels, running_mean)},
                                          {DNNL_ARG_VARIANCE, wrap(channels, running_var)}};
  if (gamma.present()) args[DNNL_ARG_SCALE] = wrap(channels, gamma);
  if (beta.present()) args[DNNL_ARG_SHIFT] = wrap(channels, beta);
  f->primitive.execute(s, args);
  s.wait();
}

// oneDNN's backward takes the variance where GANForge keeps 1/sqrt(var + eps); it is recovered
// as 1/invstd² - eps, which oneDNN turns back into the same 1/sqrt(var + eps). Scale and shift
// are always on, so that the three gradients come from one pass (a unit scale stands in for
// an absent gamma; the shift, which no gradient depends on, is a zero oneDNN asks for).
void OnednnBackend::batch_norm_backward(const TensorDesc& dy, const TensorDesc& x, const TensorDesc& gamma,
                                        const TensorDesc& save_mean, const TensorDesc& save_invstd, const TensorDesc& dx,
                                        const TensorDesc& dgamma, const TensorDesc& dbeta) {
  const ChannelLayout c(x);
  constexpr double kEps = 1e-5;  // any eps: it is added back to the variance passed in
  const auto flags = affine_flags(true, true);
  BnBackward* b =
      contiguous_f32({&dy, &x, &gamma, &save_mean, &save_invstd, &dx, &dgamma, &dbeta}) && c.count() > 0
          ? cached<BnBackward>(key_of("bn_backward", {c.n, c.c, c.s}),
                               [&] {
                                 const dnnl::batch_normalization_backward::desc desc(dnnl::prop_kind::backward, bn_data(x),
                                                                                     bn_data(x), static_cast<float>(kEps), flags);
                                 const dnnl::batch_normalization_backward::primitive_desc pd(
                                     desc, engine(), bn_forward_pd(x, kEps, dnnl::prop_kind::forward_training, flags));
                                 return BnBackward{pd, dnnl::batch_normalization_backward(pd)};
                               })
          : nullptr;
  if (b == nullptr) {
    CpuBackend::batch_norm_backward(dy, x, gamma, save_mean, save_invstd, dx, dgamma, dbeta);
    return;
  }
  const memory::desc channels = plain({c.c});
  float* variance = channel_scratch(0, c.c);
  float* unit = channel_scratch(1, c.c);
  float* zero = channel_scratch(4, c.c);
  for (int64_t k = 0; k < c.c; ++k) {
    const double invstd = typed<const float>(save_invstd)[k];
    variance[k] = static_cast<float>(1 / (invstd * invstd) - kEps);
    unit[k] = 1;
    zero[k] = 0;
  }
  std::vector<float> dx_scratch;
  if (!dx.present()) dx_scratch.resize(static_cast<size_t>(x.numel()));
  auto channel_out = [&](const TensorDesc& t, int slot) { return memory(channels, engine(), t.present() ? t.data : channel_scratch(slot, c.c)); };
  dnnl::stream s = stream_for_call();
  b->primitive.execute(s, {{DNNL_ARG_SRC, wrap(bn_data(x), x)},
                           {DNNL_ARG_MEAN, wrap(channels, save_mean)},
                           {DNNL_ARG_VARIANCE, memory(channels, engine(), variance)},
                           {DNNL_ARG_DIFF_DST, wrap(bn_data(x), dy)},
                           {DNNL_ARG_SCALE, gamma.present() ? wrap(channels, gamma) : memory(channels, engine(), unit)},
                           {DNNL_ARG_SHIFT, memory(channels, engine(), zero)},
                           {DNNL_ARG_DIFF_SRC, dx.present() ? wrap(bn_data(x), dx) : memory(bn_data(x), engine(), dx_scratch.data())},
                           {DNNL_ARG_DIFF_SCALE, channel_out(dgamma, 2)},
                           {DNNL_ARG_DIFF_SHIFT, channel_out(dbeta, 3)}});
  s.wait();
}

}  // namespace ganforge::kernels
