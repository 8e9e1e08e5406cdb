// Consistency cases of batch norm, activations, softmax, resampling, losses and optimizer steps.
//
// Tolerances follow the harness formula (ulps + 2n)·u·M with M = |result| unless noted:
//  - n is the length of the sums behind a value: values per channel (N·S) for batch norm,
//    the softmax dim, the number of loss terms, the contributions of an upsampled or
//    reflected gradient; n = 1 for elementwise maps.
//  - Batch norm's statistics and outputs cancel: mean, y = (x - mean)·invstd·γ + β,
//    dβ = Σ dy, dγ = Σ dy·x̂ and dx = γ·invstd·(dy - dβ/m - x̂·dγ/m) can be far below the terms
//    that make them, so M is the magnitude of those terms (bn_*_magnitude below): the bound of
//    any evaluation in f32 (oneDNN's) as of one in double rounded once (reference, cpu, cuda).
//    Softmax's backward (dy - Σ dy·y) also cancels; every backend evaluates it in double and
//    rounds once, so its f32 results differ by at most an ulp (ulps 4 = 2 ulps, with 2n·u for
//    the sum). These primitives are compared in f32 here; the f64 path of every backend is
//    covered by the float64 gradchecks (tests/core/test_gradcheck_layers.cpp).
//  - Transcendental maps (tanh, sigmoid, elu) in f32 call libm's float functions (<= 2 ulps =
//    4u) plus up to two roundings of the stable formula: ulps 8.
#include <cmath>

#include "tests/kernels/cases.h"

namespace ganforge::testing {

using kernels::absent;
using kernels::ActivationOp;
using kernels::LossOp;
using kernels::PadMode;
using kernels::Reduction;
using kernels::SoftmaxOp;

namespace {

int64_t per_channel(const Shape& x) { return shape_numel(x) / x[1]; }

// Row-major element i of x [N, C, ...] lies in channel (i / S) % C.
struct Channels {
  int64_t c, s;
  explicit Channels(const Shape& x) : c(x[1]), s(shape_numel(x) / (x[0] * x[1])) {}
  int64_t of(size_t i) const { return static_cast<int64_t>(i) / s % c; }
};

// Operands of the training forward: x, gamma, beta, running_mean, running_var, y, save_mean,
// save_invstd (an absent gamma / beta / running buffer: the case passes affine / running).
std::vector<std::vector<double>> bn_train_magnitude(const Shape& x, bool affine, bool running, const std::vector<std::vector<double>>& v) {
  const Channels ch(x);
  std::vector<double> abs_mean(static_cast<size_t>(ch.c), 0.0);
  const double count = static_cast<double>(per_channel(x));
  for (size_t i = 0; i < v[0].size(); ++i) abs_mean[static_cast<size_t>(ch.of(i))] += std::fabs(v[0][i]) / count;
  std::vector<std::vector<double>> m(v.size());
  for (size_t i = 0; i < v[0].size(); ++i) {
    const int64_t c = ch.of(i);
    const double scale = affine ? std::fabs(v[1][static_cast<size_t>(c)]) : 1.0, shift = affine ? std::fabs(v[2][static_cast<size_t>(c)]) : 0.0;
    m[5].push_back((std::fabs(v[0][i]) + std::fabs(v[6][static_cast<size_t>(c)])) * v[7][static_cast<size_t>(c)] * scale + shift);
  }
  m[6] = abs_mean;
  if (running)
    for (int64_t c = 0; c < ch.c; ++c) m[3].push_back(0.9 * std::fabs(v[3][static_cast<size_t>(c)]) + 0.1 * abs_mean[static_cast<size_t>(c)]);
  return m;
}

// Operands of the eval forward: x, gamma, beta, running_mean, running_var, y (eps 0.8).
std::vector<std::vector<double>> bn_eval_magnitude(const Shape& x, const std::vector<std::vector<double>>& v) {
  const Channels ch(x);
  std::vector<std::vector<double>> m(v.size());
  for (size_t i = 0; i < v[0].size(); ++i) {
    const auto c = static_cast<size_t>(ch.of(i));
    m[5].push_back((std::fabs(v[0][i]) + std::fabs(v[3][c])) / std::sqrt(v[4][c] + 0.8) * std::fabs(v[1][c]) + std::fabs(v[2][c]));
  }
  return m;
}

// Operands of the backward: dy, x, gamma, save_mean, save_invstd, dx, dgamma, dbeta.
std::vector<std::vector<double>> bn_backward_magnitude(const Shape& x, bool gamma, const std::vector<std::vector<double>>& v) {
  const Channels ch(x);
  const double count = static_cast<double>(per_channel(x));
  std::vector<double> sum_dy(static_cast<size_t>(ch.c), 0.0), sum_dy_xhat(static_cast<size_t>(ch.c), 0.0);
  auto xhat = [&](size_t i) { const auto c = static_cast<size_t>(ch.of(i)); return std::fabs((v[1][i] - v[3][c]) * v[4][c]); };
  for (size_t i = 0; i < v[0].size(); ++i) {
    sum_dy[static_cast<size_t>(ch.of(i))] += std::fabs(v[0][i]);
    sum_dy_xhat[static_cast<size_t>(ch.of(i))] += std::fabs(v[0][i]) * xhat(i);
  }
  std::vector<std::vector<double>> m(v.size());
  for (size_t i = 0; i < v[0].size(); ++i) {
    const auto c = static_cast<size_t>(ch.of(i));
    const double scale = gamma ? std::fabs(v[2][c]) : 1.0;
    m[5].push_back(scale * v[4][c] * (std::fabs(v[0][i]) + sum_dy[c] / count + xhat(i) * sum_dy_xhat[c] / count));
  }
  m[6] = sum_dy_xhat;
  m[7] = sum_dy;
  return m;
}

// ---------------------------------------------------------------------------- batch norm

std::vector<Case> batch_norm_cases() {
  // batch 1 with spatial values, 1x1 maps, BN1d, odd sizes, 1 / 3 / 17 / 19 / 33 channels,
  // a DCGAN-sized map that takes the threaded path (and 8 chunks per channel on cuda), the MLP
  // GAN's [64, 1024] (cpu: along the rows, channels split over threads), an
  // instance-norm shape (many channels of 16 values) and 1311 values per channel (runs of 437:
  // cuda's chunks start inside runs and the last is partial).
  const std::vector<Shape> shapes = {{1, 3, 5, 7},  {4, 3, 1, 1}, {2, 1, 1, 1}, {5, 19},          {64, 33},
                                     {3, 17, 3, 5}, {2, 1, 9, 9}, {1, 8, 2, 2}, {16, 64, 16, 16}, {1, 256, 4, 4},
                                     {3, 2, 19, 23}, {64, 1024}};
  std::vector<Case> cases;
  for (const Shape& x : shapes) {
    const Shape c = {x[1]};
    const int64_t m = per_channel(x);
    for (bool affine : {true, false})
      for (bool running : {true, false}) {
        Case f;
        f.primitive = "batch_norm_forward_train";
        f.label = describe_shape(x, DType::F32, Layout::Contiguous) + (affine ? " affine" : "") + (running ? " running" : "");
        f.operands = {in(x, DType::F32),         in(c, DType::F32),   in(c, DType::F32),
                      inout(c, DType::F32),      inout(c, DType::F32, Fill::Positive),
                      out(x, DType::F32),        out(c, DType::F32),  out(c, DType::F32)};
        f.reduction_length = m;
        f.terms_magnitude = [x, affine, running](const auto& v) { return bn_train_magnitude(x, affine, running, v); };
        f.run = [affine, running](kernels::Backend& b, const Descs& d) {
          b.batch_norm_forward_train(d[0], affine ? d[1] : absent, affine ? d[2] : absent,
                                     running ? d[3] : absent, running ? d[4] : absent, 0.1, 1e-5, d[5],
                                     d[6], d[7]);
        };
        cases.push_back(f);
      }
    Case e;
    e.primitive = "batch_norm_forward_eval";
    e.label = describe_shape(x, DType::F32, Layout::Contiguous);
    e.operands = {in(x, DType::F32), in(c, DType::F32), in(c, DType::F32), in(c, DType::F32),
                  in(c, DType::F32, Fill::Positive), out(x, DType::F32)};
    e.terms_magnitude = [x](const auto& v) { return bn_eval_magnitude(x, v); };
    e.run = [](kernels::Backend& b, const Descs& d) { b.batch_norm_forward_eval(d[0], d[1], d[2], d[3], d[4], 0.8, d[5]); };
    cases.push_back(e);

    // which gradients are wanted: all, dx only, dgamma/dbeta only, all without gamma
    struct Wanted {
      bool dx, params, gamma;
      const char* label;
    };
    for (Wanted w : {Wanted{true, true, true, ""}, Wanted{true, false, true, " dx only"},
                     Wanted{false, true, true, " dgamma dbeta only"}, Wanted{true, true, false, " no gamma"}}) {
      Case g;
      g.primitive = "batch_norm_backward";
      g.label = describe_shape(x, DType::F32, Layout::Contiguous) + w.label;
      g.operands = {in(x, DType::F32), in(x, DType::F32), in(c, DType::F32), in(c, DType::F32),
                    in(c, DType::F32, Fill::Positive), out(x, DType::F32), out(c, DType::F32), out(c, DType::F32)};
      g.reduction_length = m;
      g.terms_magnitude = [x, w](const auto& v) { return bn_backward_magnitude(x, w.gamma, v); };
      g.run = [w](kernels::Backend& b, const Descs& d) {
        b.batch_norm_backward(d[0], d[1], w.gamma ? d[2] : absent, d[3], d[4], w.dx ? d[5] : absent,
                              w.params ? d[6] : absent, w.params ? d[7] : absent);
      };
      cases.push_back(g);
    }
  }
  return cases;
}

// Batch norm fused with ReLU or LeakyReLU (batch_norm_act_*): the same operands as batch norm's
// (the backward also reads y = act(bn(x)), second). ReLU and LeakyReLU with slope 0.25 (exact in
// f32) are 1-Lipschitz, so batch norm's magnitudes bound the forward; the backward is batch
// norm's of dy·act'(y), whose magnitudes follow from |dy·act'(y)|.
std::vector<Case> batch_norm_activation_cases() {
  const std::vector<Shape> shapes = {{1, 3, 5, 7}, {64, 33}, {3, 2, 19, 23}, {16, 64, 16, 16}, {64, 1024}};
  struct Act {
    ActivationOp op;
    double alpha;
    const char* label;
  };
  std::vector<Case> cases;
  for (const Shape& x : shapes)
    for (Act act : {Act{ActivationOp::Relu, 0, " relu"}, Act{ActivationOp::LeakyRelu, 0.25, " leaky_relu 0.25"}}) {
      const Shape c = {x[1]};
      const int64_t m = per_channel(x);
      for (bool affine_running : {true, false}) {
        Case f;
        f.primitive = "batch_norm_act_forward_train";
        f.label = describe_shape(x, DType::F32, Layout::Contiguous) + act.label + (affine_running ? " affine running" : "");
        f.operands = {in(x, DType::F32),    in(c, DType::F32), in(c, DType::F32), inout(c, DType::F32),
                      inout(c, DType::F32, Fill::Positive), out(x, DType::F32), out(c, DType::F32), out(c, DType::F32)};
        f.reduction_length = m;
        f.terms_magnitude = [x, affine_running](const auto& v) { return bn_train_magnitude(x, affine_running, affine_running, v); };
        f.run = [act, affine_running](kernels::Backend& b, const Descs& d) {
          b.batch_norm_act_forward_train(act.op, act.alpha, d[0], affine_running ? d[1] : absent,
                                         affine_running ? d[2] : absent, affine_running ? d[3] : absent,
                                         affine_running ? d[4] : absent, 0.1, 1e-5, d[5], d[6], d[7]);
        };
        cases.push_back(f);
      }
      for (bool all : {true, false}) {
        Case g;
        g.primitive = "batch_norm_act_backward";
        g.label = describe_shape(x, DType::F32, Layout::Contiguous) + act.label + (all ? "" : " dx only");
        g.operands = {in(x, DType::F32), in(x, DType::F32), in(x, DType::F32), in(c, DType::F32), in(c, DType::F32),
                      in(c, DType::F32, Fill::Positive), out(x, DType::F32), out(c, DType::F32), out(c, DType::F32)};
        g.reduction_length = m;
        g.terms_magnitude = [x, act](const auto& v) {
          std::vector<std::vector<double>> plain = {v[0], v[2], v[3], v[4], v[5], v[6], v[7], v[8]};
          for (size_t i = 0; i < plain[0].size(); ++i) plain[0][i] *= v[1][i] > 0 ? 1.0 : act.alpha;
          std::vector<std::vector<double>> m = bn_backward_magnitude(x, true, plain);
          m.insert(m.begin() + 1, std::vector<double>{});  // y
          return m;
        };
        g.run = [act, all](kernels::Backend& b, const Descs& d) {
          b.batch_norm_act_backward(act.op, act.alpha, d[0], d[1], d[2], d[3], d[4], d[5], d[6], all ? d[7] : absent,
                                    all ? d[8] : absent);
        };
        cases.push_back(g);
      }
    }
  return cases;
}

// ---------------------------------------------------------------------------- activations

struct Variant {
  Shape shape;
  Layout layout;
};

const std::vector<Variant> kElementwise = {
    {{}, Layout::Contiguous},         {{1}, Layout::Contiguous},        {{7}, Layout::Contiguous},
    {{3, 5}, Layout::Transposed},     {{2, 1, 3}, Layout::Strided},     {{1, 3, 1, 1}, Layout::Contiguous},
    {{4, 33, 17}, Layout::Transposed}, {{1 << 17}, Layout::Contiguous},
};

// The activations' parameter: exact in f32, so that the f32 backends compute with the value the
// reference does (a formula may cancel against it).
constexpr double kAlpha = 0.25;

std::vector<Case> activation_cases() {
  std::vector<Case> cases;
  for (ActivationOp op : kernels::OpList<ActivationOp>::values) {
    const std::string name = kernels::op_name(op);
    const bool transcendental = op == ActivationOp::Tanh || op == ActivationOp::Sigmoid || op == ActivationOp::Elu;
    for (DType dtype : {DType::F32, DType::F64})
      for (const Variant& v : kElementwise) {
        Case f;
        f.primitive = "activation_forward." + name;
        f.label = describe_shape(v.shape, dtype, v.layout);
        f.operands = {out(v.shape, dtype), in(v.shape, dtype, Fill::Uniform, v.layout)};
        f.exact = op == ActivationOp::Relu;  // a selection
        f.ulps = transcendental ? 8 : 4;
        f.run = [op](kernels::Backend& b, const Descs& d) { b.activation_forward(op, d[0], d[1], kAlpha); };
        cases.push_back(f);

        Case g;
        g.primitive = "activation_backward." + name;
        g.label = f.label;
        g.operands = {out(v.shape, dtype), in(v.shape, dtype, Fill::Uniform, v.layout), in(v.shape, dtype),
                      in(v.shape, dtype, Fill::Uniform, v.layout == Layout::Transposed ? Layout::Strided : v.layout)};
        g.exact = op == ActivationOp::Relu;
        g.ulps = transcendental ? 8 : 4;  // (1 - y)(1 + y) or y(1 - y), times dy: three roundings
        g.run = [op](kernels::Backend& b, const Descs& d) { b.activation_backward(op, d[0], d[1], d[2], d[3], kAlpha); };
        cases.push_back(g);
      }
    // ±1e4, ±inf, NaN, 0: tanh and sigmoid saturate to ±1 / 0 / 1, NaN stays NaN.
    Case s;
    s.primitive = "activation_forward." + name;
    s.label = "[64] f32 special values";
    s.operands = {out({64}, DType::F32), in({64}, DType::F32, Fill::Special)};
    s.ulps = transcendental ? 8 : 4;
    s.run = [op](kernels::Backend& b, const Descs& d) { b.activation_forward(op, d[0], d[1], kAlpha); };
    cases.push_back(s);
    Case sg = s;
    sg.primitive = "activation_backward." + name;
    sg.operands = {out({64}, DType::F32), in({64}, DType::F32), in({64}, DType::F32, Fill::Special), in({64}, DType::F32)};
    sg.run = [op](kernels::Backend& b, const Descs& d) { b.activation_backward(op, d[0], d[1], d[2], d[3], kAlpha); };
    cases.push_back(sg);
  }
  return cases;
}

// ---------------------------------------------------------------------------- softmax

std::vector<Case> softmax_cases() {
  struct Along {
    Shape shape;
    int dim;
  };
  const std::vector<Along> variants = {{{1}, 0},          {{7}, 0},          {{3, 5}, 1},      {{3, 5}, 0},
                                       {{2, 3, 4}, 1},    {{4, 1, 5}, 1},    {{64, 10}, 1},    {{256, 1000}, 1},
                                       {{16, 10, 32, 32}, 1}};
  std::vector<Case> cases;
  for (SoftmaxOp op : kernels::OpList<SoftmaxOp>::values)
    for (const Along& v : variants) {
      const bool log = op == SoftmaxOp::LogSoftmax;
      const std::string kind = std::string(".") + kernels::op_name(op);
      const std::string label = shape_str(v.shape) + " dim " + std::to_string(v.dim);
      // The forward adds positive exponentials only: no cancellation, f32 and f64.
      for (DType dtype : {DType::F32, DType::F64}) {
        Case f;
        f.primitive = "softmax_forward" + kind;
        f.label = label + " " + dtype_name(dtype);
        f.operands = {out(v.shape, dtype), in(v.shape, dtype, Fill::Uniform)};
        f.reduction_length = v.shape[v.dim];
        f.ulps = 8;  // exp and log (<= 1 ulp each in double) and the final division or subtraction
        const int dim = v.dim;
        f.run = [op, dim](kernels::Backend& b, const Descs& d) { b.softmax_forward(op, d[0], d[1], dim); };
        cases.push_back(f);
      }
      Case g;
      g.primitive = "softmax_backward" + kind;
      g.label = label + " f32";
      g.operands = {out(v.shape, DType::F32), in(v.shape, DType::F32), in(v.shape, DType::F32, log ? Fill::Uniform : Fill::Positive)};
      g.reduction_length = v.shape[v.dim];
      const int dim = v.dim;
      g.run = [op, dim](kernels::Backend& b, const Descs& d) { b.softmax_backward(op, d[0], d[1], d[2], dim); };
      cases.push_back(g);
    }
  Case s;
  s.primitive = "softmax_forward.log_softmax";
  s.label = "[6, 5] f32 special values";
  s.operands = {out({6, 5}, DType::F32), in({6, 5}, DType::F32, Fill::Special)};
  s.reduction_length = 5;
  s.ulps = 8;
  s.run = [](kernels::Backend& b, const Descs& d) { b.softmax_forward(SoftmaxOp::LogSoftmax, d[0], d[1], 1); };
  cases.push_back(s);
  return cases;
}

// ---------------------------------------------------------------------------- resampling

std::vector<Case> resample_cases() {
  std::vector<Case> cases;
  struct Scale {
    Shape x;
    int64_t sh, sw;
  };
  for (const Scale& v : {Scale{{1, 1, 1, 1}, 2, 2}, Scale{{2, 3, 5, 7}, 2, 2}, Scale{{1, 3, 4, 5}, 3, 1},
                         Scale{{2, 1, 3, 3}, 1, 4}, Scale{{8, 64, 32, 32}, 2, 2}})
    for (DType dtype : {DType::F32, DType::F64}) {
      const Shape y = {v.x[0], v.x[1], v.x[2] * v.sh, v.x[3] * v.sw};
      Case f;
      f.primitive = "upsample_nearest2d_forward";
      f.label = describe_shape(v.x, dtype, Layout::Contiguous) + " x" + std::to_string(v.sh) + "," + std::to_string(v.sw);
      f.operands = {out(y, dtype), in(v.x, dtype)};
      f.exact = true;  // copies
      f.run = [](kernels::Backend& b, const Descs& d) { b.upsample_nearest2d_forward(d[0], d[1]); };
      cases.push_back(f);
      Case g;
      g.primitive = "upsample_nearest2d_backward";
      g.label = f.label;
      g.operands = {out(v.x, dtype), in(y, dtype)};
      g.reduction_length = v.sh * v.sw;  // each dx sums one sh×sw block: M = Σ|terms|
      g.bound_by_absolute_inputs = true;
      g.run = [](kernels::Backend& b, const Descs& d) { b.upsample_nearest2d_backward(d[0], d[1]); };
      cases.push_back(g);
    }
  struct Pads {
    Shape x;
    int64_t p[4];  // top, bottom, left, right
    bool reflect_ok;
  };
  for (const Pads& v : {Pads{{1, 1, 1, 1}, {1, 0, 2, 1}, false}, Pads{{1, 1, 1, 1}, {0, 0, 0, 0}, true},
                        Pads{{2, 3, 5, 7}, {1, 2, 3, 0}, true}, Pads{{1, 3, 4, 4}, {3, 3, 3, 3}, true},
                        Pads{{1, 1, 3, 3}, {2, 2, 2, 2}, true}, Pads{{4, 64, 64, 64}, {3, 3, 3, 3}, true}})
    for (PadMode mode : kernels::OpList<PadMode>::values) {
      if (mode == PadMode::Reflect && !v.reflect_ok) continue;
      const std::string kind = std::string(".") + kernels::op_name(mode);
      const Shape y = {v.x[0], v.x[1], v.x[2] + v.p[0] + v.p[1], v.x[3] + v.p[2] + v.p[3]};
      const std::vector<int64_t> pads(v.p, v.p + 4);
      for (DType dtype : {DType::F32, DType::F64}) {
        Case f;
        f.primitive = "pad2d_forward" + kind;
        f.label = describe_shape(v.x, dtype, Layout::Contiguous) + " pads " + std::to_string(v.p[0]) + "," +
                  std::to_string(v.p[1]) + "," + std::to_string(v.p[2]) + "," + std::to_string(v.p[3]);
        f.operands = {out(y, dtype), in(v.x, dtype)};
        f.exact = true;
        f.run = [mode, pads](kernels::Backend& b, const Descs& d) { b.pad2d_forward(mode, d[0], d[1], pads.data()); };
        cases.push_back(f);
        Case g;
        g.primitive = "pad2d_backward" + kind;
        g.label = f.label;
        g.operands = {out(v.x, dtype), in(y, dtype)};
        // a reflected element receives from at most 3 rows × 3 columns (pads < size)
        g.reduction_length = mode == PadMode::Zero ? 1 : 9;
        g.exact = mode == PadMode::Zero;
        g.bound_by_absolute_inputs = true;
        g.run = [mode, pads](kernels::Backend& b, const Descs& d) { b.pad2d_backward(mode, d[0], d[1], pads.data()); };
        cases.push_back(g);
      }
    }
  return cases;
}

// ---------------------------------------------------------------------------- losses

std::vector<Case> loss_cases() {
  std::vector<Case> cases;
  const std::vector<Shape> shapes = {{1}, {7}, {3, 5}, {2, 3, 4, 5}, {1 << 17}};
  for (LossOp op : {LossOp::Mse, LossOp::L1, LossOp::Bce, LossOp::BceWithLogits})
    for (Reduction reduction : {Reduction::Mean, Reduction::Sum})
      for (DType dtype : {DType::F32, DType::F64})
        for (const Shape& s : shapes)
          for (Fill fill : {Fill::Uniform, Fill::Special}) {
            if (fill == Fill::Special && (dtype != DType::F32 || shape_numel(s) > 64)) continue;
            const std::string name = kernels::op_name(op);
            const std::string label = describe_shape(s, dtype, Layout::Contiguous) + (reduction == Reduction::Mean ? " mean" : " sum") +
                                      (fill == Fill::Special ? " special values" : "");
            // BCE wants probabilities and both BCEs targets in [0, 1]: the case feeds |u|,
            // u ~ U(-1, 1), through the backend's (exact) abs into scratch outputs first.
            const bool probabilities = op == LossOp::Bce, unit_targets = op == LossOp::Bce || op == LossOp::BceWithLogits;
            auto prepare = [probabilities, unit_targets](kernels::Backend& b, const Descs& d) {
              if (probabilities) b.unary(kernels::UnaryOp::Abs, d[3], d[1], {});
              if (unit_targets) b.unary(kernels::UnaryOp::Abs, d[4], d[2], {});
              return std::pair{probabilities ? d[3] : d[1], unit_targets ? d[4] : d[2]};
            };
            const std::vector<Operand> operands = {in(s, dtype, fill), in(s, dtype), out(s, dtype), out(s, dtype)};
            Case f;
            f.primitive = "loss_forward." + name;
            f.label = label;
            f.operands = {out({}, dtype)};
            f.operands.insert(f.operands.end(), operands.begin(), operands.end());
            f.reduction_length = shape_numel(s);  // a sum of non-negative terms: M = |loss| bounds them
            f.ulps = 8;
            f.run = [op, reduction, prepare](kernels::Backend& b, const Descs& d) {
              auto [input, target] = prepare(b, d);
              b.loss_forward(op, reduction, d[0], input, target);
            };
            cases.push_back(f);
            Case g = f;
            g.primitive = "loss_backward." + name;
            g.operands[0] = out(s, dtype);
            g.reduction_length = 1;  // elementwise, evaluated in double by both backends
            g.ulps = 4;
            g.run = [op, reduction, prepare](kernels::Backend& b, const Descs& d) {
              auto [input, target] = prepare(b, d);
              b.loss_backward(op, reduction, 0.75, d[0], input, target);
            };
            cases.push_back(g);
          }
  for (auto [rows, classes] : {std::pair<int64_t, int64_t>{1, 1}, {1, 10}, {7, 3}, {64, 10}, {512, 1000}})
    for (Reduction reduction : {Reduction::Mean, Reduction::Sum})
      for (DType dtype : {DType::F32, DType::F64})
        for (Fill fill : {Fill::Uniform, Fill::Special}) {
          if (fill == Fill::Special && (dtype != DType::F32 || rows * classes > 100)) continue;
          const Operand labels{Role::Input, {rows}, DType::I64, Fill::Index, Layout::Contiguous, classes};
          Case f;
          f.primitive = "loss_forward.cross_entropy";
          f.label = describe_shape({rows, classes}, dtype, Layout::Contiguous) + (reduction == Reduction::Mean ? " mean" : " sum") +
                    (fill == Fill::Special ? " special values" : "");
          f.operands = {out({}, dtype), in({rows, classes}, dtype, fill), labels};
          f.reduction_length = rows * classes;  // log Σ exp per row, then the sum over rows; terms >= 0
          f.ulps = 8;
          f.run = [reduction](kernels::Backend& b, const Descs& d) {
            b.loss_forward(LossOp::CrossEntropy, reduction, d[0], d[1], d[2]);
          };
          cases.push_back(f);
          Case g = f;
          g.primitive = "loss_backward.cross_entropy";
          g.operands[0] = out({rows, classes}, dtype);
          g.reduction_length = classes;  // softmax - one_hot: the row's Σ exp enters every element
          g.run = [reduction](kernels::Backend& b, const Descs& d) {
            b.loss_backward(LossOp::CrossEntropy, reduction, -1.5, d[0], d[1], d[2]);
          };
          cases.push_back(g);
        }
  return cases;
}

// ---------------------------------------------------------------------------- optimizers

kernels::AdamParams adam_params(int64_t step, double decay) {
  kernels::AdamParams p;
  p.lr = 2e-4;
  p.beta1 = 0.5;
  p.step = step;
  p.weight_decay = decay;
  return p;
}

struct SgdVariant {
  double momentum, dampening, decay;
  bool nesterov, first;
  const char* label;
  kernels::SgdParams params() const {
    kernels::SgdParams p;
    p.lr = 0.05;
    p.momentum = momentum;
    p.dampening = dampening;
    p.weight_decay = decay;
    p.nesterov = nesterov;
    p.first_step = first;
    return p;
  }
};
const SgdVariant kSgdVariants[] = {{0, 0, 0, false, true, "plain"},
                                   {0.9, 0, 0, false, true, "momentum first step"},
                                   {0.9, 0.1, 1e-3, false, false, "momentum dampening decay"},
                                   {0.9, 0, 0, true, false, "nesterov"}};

std::vector<Case> optimizer_cases() {
  std::vector<Case> cases;
  // Both backends evaluate the update in double and round each stored value once.
  const std::vector<Shape> shapes = {{1}, {7}, {33, 17}, {1 << 17}};
  for (const Shape& s : shapes)
    for (DType dtype : {DType::F32, DType::F64}) {
      for (auto [step, decay] : {std::pair<int64_t, double>{1, 0.0}, {7, 0.01}}) {
        Case a;
        a.primitive = "adam_step";
        a.label = describe_shape(s, dtype, Layout::Contiguous) + " step " + std::to_string(step) + (decay != 0 ? " weight decay" : "");
        a.operands = {inout(s, dtype), in(s, dtype), inout(s, dtype), inout(s, dtype, Fill::Positive)};
        const kernels::AdamParams p = adam_params(step, decay);
        a.run = [p](kernels::Backend& b, const Descs& d) { b.adam_step(p, d[0], d[1], d[2], d[3]); };
        cases.push_back(a);
      }
      for (const SgdVariant& v : kSgdVariants) {
        Case c;
        c.primitive = "sgd_step";
        c.label = describe_shape(s, dtype, Layout::Contiguous) + " " + v.label;
        c.operands = {inout(s, dtype), in(s, dtype), inout(s, dtype)};
        const kernels::SgdParams p = v.params();
        const bool buffer = v.momentum != 0;
        c.run = [p, buffer](kernels::Backend& b, const Descs& d) { b.sgd_step(p, d[0], d[1], buffer ? d[2] : absent); };
        cases.push_back(c);
      }
    }
  return cases;
}

// The multi-tensor steps on lists that take every path of the cuda kernel (chunks of 4096
// elements, at most 32 tensors and 320 chunks per launch): odd sizes of both dtypes with an
// empty tensor and one of several chunks, the last one partial; 40 tensors (two launches);
// and 1.4M elements, a tensor cut between two launches.
std::vector<Case> multi_tensor_optimizer_cases() {
  struct TensorList {
    std::vector<std::pair<Shape, DType>> tensors;
    const char* label;
  };
  std::vector<TensorList> lists = {
      {{{{1}, DType::F32}, {{7}, DType::F64}, {{0}, DType::F32}, {{33, 17}, DType::F32}, {{3, 5000}, DType::F32},
        {{4097}, DType::F64}},
       "6 tensors f32 and f64, one empty, one of 4 chunks"},
      {{}, "40 tensors"},
      {{{{100}, DType::F32}, {{1400000}, DType::F32}}, "2 tensors, 1.4M elements"}};
  for (int64_t i = 0; i < 40; ++i) lists[1].tensors.push_back({{3 * i + 1}, DType::F32});
  std::vector<Case> cases;
  for (const TensorList& list : lists) {
    Case a;
    a.primitive = "adam_step_multi";
    a.label = std::string(list.label) + " step 7 weight decay";
    for (const auto& [s, dtype] : list.tensors)
      a.operands.insert(a.operands.end(), {inout(s, dtype), in(s, dtype), inout(s, dtype), inout(s, dtype, Fill::Positive)});
    const kernels::AdamParams p = adam_params(7, 0.01);
    a.run = [p](kernels::Backend& b, const Descs& d) {
      std::vector<kernels::AdamTensors> tensors;
      for (size_t i = 0; i < d.size(); i += 4) tensors.push_back({d[i], d[i + 1], d[i + 2], d[i + 3]});
      b.adam_step_multi(p, tensors);
    };
    cases.push_back(a);
    for (const SgdVariant& v : kSgdVariants) {
      if (&list != &lists[0] && v.momentum == 0) continue;  // the plain update once
      Case c;
      c.primitive = "sgd_step_multi";
      c.label = std::string(list.label) + " " + v.label;
      for (const auto& [s, dtype] : list.tensors) c.operands.insert(c.operands.end(), {inout(s, dtype), in(s, dtype), inout(s, dtype)});
      const kernels::SgdParams p = v.params();
      const bool buffer = v.momentum != 0;
      c.run = [p, buffer](kernels::Backend& b, const Descs& d) {
        std::vector<kernels::SgdTensors> tensors;
        for (size_t i = 0; i < d.size(); i += 3) tensors.push_back({d[i], d[i + 1], buffer ? d[i + 2] : absent});
        b.sgd_step_multi(p, tensors);
      };
      cases.push_back(c);
    }
  }
  return cases;
}

}  // namespace

std::vector<Case> layer_cases() {
  std::vector<Case> cases;
  for (auto&& group : {batch_norm_cases(), batch_norm_activation_cases(), activation_cases(), softmax_cases(), resample_cases(), loss_cases(), optimizer_cases(),
                        multi_tensor_optimizer_cases()})
    cases.insert(cases.end(), group.begin(), group.end());
  return cases;
}

}  // namespace ganforge::testing
