// Consistency cases of the convolution primitives (fprop, dgrad, wgrad) on the curated awkward
// geometries: batch 1, 1x1 spatial, odd sizes, 1 and 3 channels, stride 2 on odd inputs,
// padding >= kernel/2, asymmetric padding, dilation 2, the DCGAN layer shapes, and sizes that
// take the grouped, threaded and split-K paths; and on the geometries of transposed
// convolutions, as core/ops/conv.cpp runs them (dgrad with a bias and an output padding, fprop
// and wgrad with the roles swapped). Each also runs with integer-valued inputs, whose sums are
// exact and must match exactly.
#include "core/layer_ops.h"
#include "tests/kernels/cases.h"

namespace ganforge::testing {
namespace {

struct Geometry {
  const char* what;
  int64_t n, cin, h, w, cout, kh, kw;
  kernels::ConvParams p;
  int64_t output_padding = 0;  // transposed convolutions only
};

kernels::ConvParams params(int64_t stride, int64_t pad, int64_t dilation = 1) {
  return {stride, stride, pad, pad, pad, pad, dilation, dilation};
}

const std::vector<Geometry> kConv = {
    {"batch 1, 1x1 spatial, 1x1 kernel", 1, 3, 1, 1, 4, 1, 1, params(1, 0)},
    {"odd sizes, 3x3 same", 2, 3, 7, 5, 5, 3, 3, params(1, 1)},
    {"stride 2 on odd input, 1 channel", 2, 1, 9, 9, 3, 3, 3, params(2, 1)},
    {"padding >= kernel/2", 1, 2, 5, 5, 2, 3, 3, params(1, 2)},
    {"asymmetric padding", 2, 3, 6, 7, 4, 3, 2, {1, 2, 1, 2, 0, 1, 1, 1}},
    {"dilation 2", 2, 3, 9, 8, 2, 3, 3, params(1, 2, 2)},
    {"stride 2, dilation 2: odd rows get no tap", 2, 6, 9, 9, 5, 3, 3, params(2, 1, 2)},
    {"DCGAN D first layer (k4 s2 p1)", 3, 3, 16, 16, 8, 4, 4, params(2, 1)},
    {"DCGAN D deep layer: 4x4 outputs, grouped", 6, 32, 8, 8, 24, 4, 4, params(2, 1)},
    {"DCGAN D last layer (k4 s1 p0 -> 1x1)", 5, 32, 4, 4, 1, 4, 4, params(1, 0)},
    {"threaded: batch 16", 16, 8, 16, 16, 16, 3, 3, params(1, 1)},
    // the cuda backend splits a long K over slices of whole 16-steps when it has few output
    // blocks (also D's last layer and G's first above): here 2 and 3 slices of the weight
    // gradient's K = N·Ho·Wo, the last one shorter, through the tiled and the few-channel kernel
    {"split-K wgrad, ragged last slice", 4, 5, 13, 13, 8, 3, 3, params(1, 1)},
    {"split-K wgrad, 3 filters, ragged last slice", 5, 3, 13, 13, 3, 3, 3, params(1, 1)},
    // the cpu backend makes the columns of 64 (f32) or 32 (f64) channels at a time here
    {"im2col over several channel blocks", 4, 72, 8, 8, 49, 4, 4, params(2, 1)},
    // two groups of 32 samples (the second ragged), whose weight gradients two threads sum
    // into weight_grad and into a partial sum
    {"wgrad over two thread slices", 40, 8, 8, 8, 8, 4, 4, params(2, 1)},
    {"strides 3 x 1, uneven padding", 2, 2, 10, 7, 3, 3, 3, {3, 1, 1, 0, 2, 1, 1, 1}},
};

const std::vector<Geometry> kTransposed = {
    {"DCGAN G first layer (1x1 -> 4x4)", 2, 32, 1, 1, 8, 4, 4, params(1, 0)},
    {"DCGAN G upsampling (k4 s2 p1)", 2, 8, 4, 4, 4, 4, 4, params(2, 1)},
    {"DCGAN-MNIST k3 s2 p1 (4 -> 7)", 2, 4, 4, 4, 2, 3, 3, params(2, 1)},
    {"CycleGAN output_padding 1", 1, 3, 5, 5, 2, 3, 3, params(2, 1), 1},
    {"batch 1, 1 channel, odd", 1, 1, 3, 5, 3, 3, 2, params(1, 0)},
    {"asymmetric padding, dilation 2", 2, 3, 5, 4, 2, 3, 3, {1, 1, 2, 0, 1, 2, 2, 2}},
    {"to 3 channels with bias, batch 9 (threaded)", 9, 8, 8, 8, 3, 4, 4, params(2, 1)},
};

std::string label_of(const Geometry& g, DType dtype, bool integer_valued) {
  return std::string(g.what) + ": x [" + std::to_string(g.n) + ", " + std::to_string(g.cin) + ", " + std::to_string(g.h) +
         ", " + std::to_string(g.w) + "] " + std::to_string(g.cout) + " filters " + std::to_string(g.kh) + "x" +
         std::to_string(g.kw) + " " + dtype_name(dtype) + (integer_valued ? " integer-valued" : "");
}

// The cases of one convolution x [n, ci, h, w] * w [co, ci, kh, kw] -> y [n, co, ho, wo].
// `transposed`: the convolution whose dgrad is a transposed convolution's forward, so dgrad
// adds a bias and wgrad leaves the bias gradient absent, as core/ops/conv.cpp calls them.
struct Roles {
  Shape x, w, y;
  int64_t ci, co;
  bool transposed;
};

void add_passes(std::vector<Case>& cases, const Geometry& g, const Roles& r, DType dtype, bool integer_valued) {
  const kernels::ConvParams p = g.p;
  const Fill fill = integer_valued ? Fill::Integer : Fill::Uniform;
  const std::string label = std::string(r.transposed ? "transposed: " : "") + label_of(g, dtype, integer_valued) +
                            (g.output_padding ? " output_padding 1" : "");
  Case fprop;
  fprop.primitive = "conv2d_fprop";
  fprop.label = label;
  fprop.bound_by_absolute_inputs = true;
  fprop.follows_math = true;
  fprop.exact = integer_valued;
  if (r.transposed) {
    fprop.operands = {out(r.y, dtype), in(r.x, dtype, fill), in(r.w, dtype, fill)};
    fprop.reduction_length = r.ci * g.kh * g.kw;
    fprop.run = [p](kernels::Backend& b, const Descs& d) { b.conv2d_fprop(p, d[1], d[2], kernels::absent, d[0]); };
  } else {
    fprop.operands = {out(r.y, dtype), in(r.x, dtype, fill), in(r.w, dtype, fill), in({r.co}, dtype, fill)};
    fprop.reduction_length = r.ci * g.kh * g.kw + 1;
    fprop.run = [p](kernels::Backend& b, const Descs& d) { b.conv2d_fprop(p, d[1], d[2], d[3], d[0]); };
  }
  cases.push_back(fprop);

  Case dgrad = fprop;
  dgrad.primitive = "conv2d_dgrad";
  if (r.transposed) {
    dgrad.operands = {out(r.x, dtype), in(r.y, dtype, fill), in(r.w, dtype, fill), in({r.ci}, dtype, fill)};
    dgrad.reduction_length = r.co * g.kh * g.kw + 1;
    dgrad.run = [p](kernels::Backend& b, const Descs& d) { b.conv2d_dgrad(p, d[1], d[2], d[3], d[0]); };
  } else {
    dgrad.operands = {out(r.x, dtype), in(r.y, dtype, fill), in(r.w, dtype, fill)};
    dgrad.reduction_length = r.co * g.kh * g.kw;
    dgrad.run = [p](kernels::Backend& b, const Descs& d) { b.conv2d_dgrad(p, d[1], d[2], kernels::absent, d[0]); };
  }
  cases.push_back(dgrad);

  Case wgrad = fprop;
  wgrad.primitive = "conv2d_wgrad";
  wgrad.reduction_length = shape_numel(r.y) / r.co;  // N·Ho·Wo per weight, and per bias channel
  if (r.transposed) {
    wgrad.operands = {out(r.w, dtype), in(r.x, dtype, fill), in(r.y, dtype, fill)};
    wgrad.run = [p](kernels::Backend& b, const Descs& d) { b.conv2d_wgrad(p, d[1], d[2], d[0], kernels::absent); };
  } else {
    wgrad.operands = {out(r.w, dtype), out({r.co}, dtype), in(r.x, dtype, fill), in(r.y, dtype, fill)};
    wgrad.run = [p](kernels::Backend& b, const Descs& d) { b.conv2d_wgrad(p, d[2], d[3], d[0], d[1]); };
  }
  cases.push_back(wgrad);
}

void add_conv(std::vector<Case>& cases, const Geometry& g, DType dtype, bool integer_valued) {
  const kernels::ConvParams p = g.p;
  const int64_t ho = conv2d_output_size(g.h, g.kh, p.stride_h, p.pad_top, p.pad_bottom, p.dilation_h);
  const int64_t wo = conv2d_output_size(g.w, g.kw, p.stride_w, p.pad_left, p.pad_right, p.dilation_w);
  add_passes(cases, g, {{g.n, g.cin, g.h, g.w}, {g.cout, g.cin, g.kh, g.kw}, {g.n, g.cout, ho, wo}, g.cin, g.cout, false},
             dtype, integer_valued);
}

// A transposed convolution x [n, cin, h, w] -> [n, cout, ho, wo] with weight [cin, cout, kh, kw]
// is the adjoint of the convolution [n, cout, ho, wo] -> [n, cin, h, w] with that weight.
void add_transposed(std::vector<Case>& cases, const Geometry& g, DType dtype, bool integer_valued) {
  const kernels::ConvParams p = g.p;
  const int64_t ho = conv_transpose2d_output_size(g.h, g.kh, p.stride_h, p.pad_top, p.pad_bottom, p.dilation_h, g.output_padding);
  const int64_t wo = conv_transpose2d_output_size(g.w, g.kw, p.stride_w, p.pad_left, p.pad_right, p.dilation_w, g.output_padding);
  add_passes(cases, g, {{g.n, g.cout, ho, wo}, {g.cin, g.cout, g.kh, g.kw}, {g.n, g.cin, g.h, g.w}, g.cout, g.cin, true},
             dtype, integer_valued);
}

}  // namespace

std::vector<Case> conv_cases() {
  std::vector<Case> cases;
  for (DType dtype : {DType::F32, DType::F64})
    for (bool integer_valued : {false, true}) {
      for (const Geometry& g : kConv) add_conv(cases, g, dtype, integer_valued);
      for (const Geometry& g : kTransposed) add_transposed(cases, g, dtype, integer_valued);
    }
  return cases;
}

}  // namespace ganforge::testing
