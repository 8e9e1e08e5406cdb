// Consistency cases of conv2d and conv_transpose2d (forward, backward-data, backward-filter)
// on the curated awkward geometries: batch 1, 1x1 spatial, odd sizes, 1 and 3 channels,
// stride 2 on odd inputs, padding >= kernel/2, asymmetric padding, output_padding,
// dilation 2, the DCGAN layer shapes, and sizes that take the grouped, threaded and split-K paths.
// Each also runs with integer-valued inputs, whose sums are exact and must match exactly.
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

int64_t conv_extent(int64_t in, int64_t k, int64_t s, int64_t before, int64_t after, int64_t d) {
  return (in + before + after - d * (k - 1) - 1) / s + 1;
}

std::string label_of(const Geometry& g, DType dtype, bool integer_valued) {
  return std::string(g.what) + ": x [" + std::to_string(g.n) + ", " + std::to_string(g.cin) + ", " + std::to_string(g.h) +
         ", " + std::to_string(g.w) + "] " + std::to_string(g.cout) + " filters " + std::to_string(g.kh) + "x" +
         std::to_string(g.kw) + " " + dtype_name(dtype) + (integer_valued ? " integer-valued" : "");
}

void add_conv(std::vector<Case>& cases, const Geometry& g, DType dtype, bool integer_valued) {
  const kernels::ConvParams p = g.p;
  const int64_t ho = conv_extent(g.h, g.kh, p.stride_h, p.pad_top, p.pad_bottom, p.dilation_h);
  const int64_t wo = conv_extent(g.w, g.kw, p.stride_w, p.pad_left, p.pad_right, p.dilation_w);
  const Shape x{g.n, g.cin, g.h, g.w}, w{g.cout, g.cin, g.kh, g.kw}, y{g.n, g.cout, ho, wo};
  const Fill fill = integer_valued ? Fill::Integer : Fill::Uniform;
  Case forward;
  forward.primitive = "conv2d_forward";
  forward.label = label_of(g, dtype, integer_valued);
  forward.operands = {out(y, dtype), in(x, dtype, fill), in(w, dtype, fill), in({g.cout}, dtype, fill)};
  forward.reduction_length = g.cin * g.kh * g.kw + 1;
  forward.bound_by_absolute_inputs = true;
  forward.exact = integer_valued;
  forward.run = [p](kernels::Backend& b, const Descs& d) { b.conv2d_forward(p, d[1], d[2], d[3], d[0]); };
  cases.push_back(forward);

  Case data = forward;
  data.primitive = "conv2d_backward_data";
  data.operands = {out(x, dtype), in(y, dtype, fill), in(w, dtype, fill)};
  data.reduction_length = g.cout * g.kh * g.kw;
  data.run = [p](kernels::Backend& b, const Descs& d) { b.conv2d_backward_data(p, d[1], d[2], d[0]); };
  cases.push_back(data);

  Case filter = forward;
  filter.primitive = "conv2d_backward_filter";
  filter.operands = {out(w, dtype), out({g.cout}, dtype), in(x, dtype, fill), in(y, dtype, fill)};
  filter.reduction_length = g.n * ho * wo;
  filter.run = [p](kernels::Backend& b, const Descs& d) { b.conv2d_backward_filter(p, d[2], d[3], d[0], d[1]); };
  cases.push_back(filter);
}

void add_transposed(std::vector<Case>& cases, const Geometry& g, DType dtype, bool integer_valued) {
  const kernels::ConvParams p = g.p;
  const int64_t ho = (g.h - 1) * p.stride_h - p.pad_top - p.pad_bottom + p.dilation_h * (g.kh - 1) + g.output_padding + 1;
  const int64_t wo = (g.w - 1) * p.stride_w - p.pad_left - p.pad_right + p.dilation_w * (g.kw - 1) + g.output_padding + 1;
  const Shape x{g.n, g.cin, g.h, g.w}, w{g.cin, g.cout, g.kh, g.kw}, y{g.n, g.cout, ho, wo};
  const Fill fill = integer_valued ? Fill::Integer : Fill::Uniform;
  Case forward;
  forward.primitive = "conv_transpose2d_forward";
  forward.label = label_of(g, dtype, integer_valued) + (g.output_padding ? " output_padding 1" : "");
  forward.operands = {out(y, dtype), in(x, dtype, fill), in(w, dtype, fill), in({g.cout}, dtype, fill)};
  forward.reduction_length = g.cin * g.kh * g.kw + 1;
  forward.bound_by_absolute_inputs = true;
  forward.exact = integer_valued;
  forward.run = [p](kernels::Backend& b, const Descs& d) { b.conv_transpose2d_forward(p, d[1], d[2], d[3], d[0]); };
  cases.push_back(forward);

  Case data = forward;
  data.primitive = "conv_transpose2d_backward_data";
  data.operands = {out(x, dtype), in(y, dtype, fill), in(w, dtype, fill)};
  data.reduction_length = g.cout * g.kh * g.kw;
  data.run = [p](kernels::Backend& b, const Descs& d) { b.conv_transpose2d_backward_data(p, d[1], d[2], d[0]); };
  cases.push_back(data);

  Case filter = forward;
  filter.primitive = "conv_transpose2d_backward_filter";
  filter.operands = {out(w, dtype), out({g.cout}, dtype), in(x, dtype, fill), in(y, dtype, fill)};
  filter.reduction_length = g.n * std::max(g.h * g.w, ho * wo);
  filter.run = [p](kernels::Backend& b, const Descs& d) {
    b.conv_transpose2d_backward_filter(p, d[2], d[3], d[0], d[1]);
  };
  cases.push_back(filter);
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

std::vector<std::string> conv_primitives() {
  return {"conv2d_forward", "conv2d_backward_data", "conv2d_backward_filter", "conv_transpose2d_forward",
          "conv_transpose2d_backward_data", "conv_transpose2d_backward_filter"};
}

}  // namespace ganforge::testing
