// Convolution, transposed convolution, linear and embedding. A convolution is three primitives
// of every backend (CUTLASS's names): fprop computes y, dgrad the data gradient (the adjoint of
// fprop applied to dy) and wgrad the weight gradient (the correlation of x with dy). A transposed
// convolution is the adjoint of the convolution that shares its weight, so it maps onto the
// same three with the roles swapped, here and nowhere else:
//   conv2d:            y = fprop(x, w) + b    dx = dgrad(dy, w)    dw = wgrad(x, dy)    db = Σ dy
//   conv_transpose2d:  y = dgrad(x, w) + b    dx = fprop(dy, w)    dw = wgrad(dy, x)    db = Σ dy
#include <stdexcept>

#include "core/dispatch.h"
#include "core/layer_ops.h"
#include "core/ops.h"

namespace ganforge {
namespace {

std::string describe_params(const ConvParams& p) {
  return "stride (" + std::to_string(p.stride_h) + ", " + std::to_string(p.stride_w) + "), padding (" +
         std::to_string(p.pad_top) + ", " + std::to_string(p.pad_bottom) + ", " + std::to_string(p.pad_left) + ", " +
         std::to_string(p.pad_right) + "), dilation (" + std::to_string(p.dilation_h) + ", " +
         std::to_string(p.dilation_w) + ")";
}

void check_params(const char* op, const ConvParams& p) {
  if (p.stride_h < 1 || p.stride_w < 1 || p.dilation_h < 1 || p.dilation_w < 1 || p.pad_top < 0 || p.pad_bottom < 0 ||
      p.pad_left < 0 || p.pad_right < 0)
    throw std::invalid_argument(std::string(op) + ": strides and dilations must be >= 1 and paddings >= 0; got " +
                                describe_params(p));
}

// x [N, C, H, W] and w [A, B, kh, kw] of one floating dtype on one device; bias [bias_channels].
void check_operands(const char* op, const Tensor& x, const Tensor& w, const Tensor& bias, int64_t weight_in_dim,
                    int64_t bias_channels) {
  check_same_device(op, {x, w, bias});
  if (x.dim() != 4)
    throw std::invalid_argument(std::string(op) + ": input must be 4-D [N, C, H, W]; got shape " + shape_str(x.shape()));
  if (w.dim() != 4)
    throw std::invalid_argument(std::string(op) + ": weight must be 4-D; got shape " + shape_str(w.shape()));
  if (!is_floating(x.dtype()) || x.dtype() != w.dtype() || (bias.defined() && bias.dtype() != x.dtype()))
    throw std::invalid_argument(std::string(op) + ": input, weight and bias must share one floating dtype");
  if (w.shape()[weight_in_dim] != x.shape()[1])
    throw std::invalid_argument(std::string(op) + ": input has " + std::to_string(x.shape()[1]) +
                                " channels but weight of shape " + shape_str(w.shape()) + " expects " +
                                std::to_string(w.shape()[weight_in_dim]));
  if (bias.defined() && bias.shape() != Shape{bias_channels})
    throw std::invalid_argument(std::string(op) + ": bias must have shape [" + std::to_string(bias_channels) +
                                "]; got " + shape_str(bias.shape()));
}

Tensor empty_for(const Tensor& like, const Shape& shape) {
  return empty(shape, TensorOptions{like.dtype(), like.device(), false});
}

// Σ dy over N, H, W: the bias gradient of a transposed convolution (conv2d's comes from wgrad).
Tensor channel_sums(const Tensor& dy) { return sum(dy, {0, 2, 3}); }

}  // namespace

ConvParams conv_params(int64_t stride, int64_t padding, int64_t dilation) {
  return ConvParams{stride, stride, padding, padding, padding, padding, dilation, dilation};
}

int64_t conv2d_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad_before, int64_t pad_after,
                           int64_t dilation) {
  return (in + pad_before + pad_after - dilation * (kernel - 1) - 1) / stride + 1;
}

int64_t conv_transpose2d_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad_before, int64_t pad_after,
                                     int64_t dilation, int64_t output_padding) {
  return (in - 1) * stride - pad_before - pad_after + dilation * (kernel - 1) + output_padding + 1;
}

bool valid_output_padding(int64_t output_padding, int64_t stride, int64_t dilation) {
  return output_padding >= 0 && output_padding < std::max(stride, dilation);
}

Tensor conv2d(const Tensor& x_in, const Tensor& w_in, const Tensor& bias, const ConvParams& p) {
  check_params("conv2d", p);
  check_operands("conv2d", x_in, w_in, bias, 1, w_in.dim() == 4 ? w_in.shape()[0] : 0);
  const Tensor x = x_in.contiguous(), w = w_in.contiguous();
  const int64_t ho = conv2d_output_size(x.shape()[2], w.shape()[2], p.stride_h, p.pad_top, p.pad_bottom, p.dilation_h);
  const int64_t wo = conv2d_output_size(x.shape()[3], w.shape()[3], p.stride_w, p.pad_left, p.pad_right, p.dilation_w);
  if (ho < 1 || wo < 1)
    throw std::invalid_argument("conv2d: a " + std::to_string(w.shape()[2]) + "x" + std::to_string(w.shape()[3]) +
                                " kernel with " + describe_params(p) + " does not fit the input of shape " +
                                shape_str(x.shape()));
  Tensor y = empty_for(x, {x.shape()[0], w.shape()[0], ho, wo});
  const Tensor b = bias.defined() ? bias.contiguous() : Tensor();
  backend_for(x.device()).conv2d_fprop(p, describe(x), describe(w), describe_optional(b), describe(y));
  record("conv2d", {x, w, b}, y, {x, w}, [p](const Tensor& g_in, const BackwardContext& ctx) -> std::vector<Tensor> {
    const Tensor g = g_in.contiguous();
    const Tensor &x = ctx[0], &w = ctx[1];
    kernels::Backend& backend = backend_for(g.device());
    Tensor dx, dw, db;
    if (ctx.needs(0)) {
      dx = empty_for(x, x.shape());
      backend.conv2d_dgrad(p, describe(g), describe(w), kernels::absent, describe(dx));
    }
    if (ctx.needs(1) || ctx.needs(2)) {
      dw = empty_for(w, w.shape());
      if (ctx.needs(2)) db = empty_for(w, {w.shape()[0]});
      backend.conv2d_wgrad(p, describe(x), describe(g), describe(dw), describe_optional(db));
    }
    return {dx, ctx.needs(1) ? dw : Tensor(), db};
  });
  return y;
}

Tensor conv_transpose2d(const Tensor& x_in, const Tensor& w_in, const Tensor& bias, const ConvParams& p,
                        int64_t output_padding_h, int64_t output_padding_w) {
  check_params("conv_transpose2d", p);
  check_operands("conv_transpose2d", x_in, w_in, bias, 0, w_in.dim() == 4 ? w_in.shape()[1] : 0);
  if (!valid_output_padding(output_padding_h, p.stride_h, p.dilation_h) ||
      !valid_output_padding(output_padding_w, p.stride_w, p.dilation_w))
    throw std::invalid_argument("conv_transpose2d: output_padding (" + std::to_string(output_padding_h) + ", " +
                                std::to_string(output_padding_w) +
                                ") must be >= 0 and smaller than either the stride or the dilation");
  const Tensor x = x_in.contiguous(), w = w_in.contiguous();
  const int64_t ho = conv_transpose2d_output_size(x.shape()[2], w.shape()[2], p.stride_h, p.pad_top, p.pad_bottom,
                                                  p.dilation_h, output_padding_h);
  const int64_t wo = conv_transpose2d_output_size(x.shape()[3], w.shape()[3], p.stride_w, p.pad_left, p.pad_right,
                                                  p.dilation_w, output_padding_w);
  if (ho < 1 || wo < 1)
    throw std::invalid_argument("conv_transpose2d: " + describe_params(p) + " leaves no output for the input of shape " +
                                shape_str(x.shape()));
  Tensor y = empty_for(x, {x.shape()[0], w.shape()[1], ho, wo});
  const Tensor b = bias.defined() ? bias.contiguous() : Tensor();
  backend_for(x.device()).conv2d_dgrad(p, describe(x), describe(w), describe_optional(b), describe(y));
  record("conv_transpose2d", {x, w, b}, y, {x, w}, [p](const Tensor& g_in, const BackwardContext& ctx) -> std::vector<Tensor> {
    const Tensor g = g_in.contiguous();
    const Tensor &x = ctx[0], &w = ctx[1];
    kernels::Backend& backend = backend_for(g.device());
    Tensor dx, dw;
    if (ctx.needs(0)) {
      dx = empty_for(x, x.shape());
      backend.conv2d_fprop(p, describe(g), describe(w), kernels::absent, describe(dx));
    }
    if (ctx.needs(1)) {
      dw = empty_for(w, w.shape());
      backend.conv2d_wgrad(p, describe(g), describe(x), describe(dw), kernels::absent);
    }
    return {dx, dw, ctx.needs(2) ? channel_sums(g) : Tensor()};
  });
  return y;
}

// y = x·Wᵀ + b over the rows of x, recorded as one op: dx = g·W, dW = gᵀ·x, db = Σ_rows g.
// Through matmul of a transposed view, dW arrived transposed and was copied into every
// weight's .grad each step; here the GEMM writes it in W's own layout.
Tensor linear(const Tensor& x, const Tensor& w_in, const Tensor& bias_in) {
  if (w_in.dim() != 2 || x.dim() < 1 || x.shape().back() != w_in.shape()[1])
    throw std::invalid_argument("linear: input of shape " + shape_str(x.shape()) + " and weight of shape " +
                                shape_str(w_in.shape()) + " do not match (expected input [..., in], weight [out, in])");
  if (bias_in.defined() && bias_in.shape() != Shape{w_in.shape()[0]})
    throw std::invalid_argument("linear: bias must have shape [" + std::to_string(w_in.shape()[0]) + "]; got " +
                                shape_str(bias_in.shape()));
  const DType dtype = promote(x.dtype(), w_in.dtype());
  const Tensor rows = x.to(dtype).reshape({-1, x.shape().back()}), w = w_in.to(dtype);
  const Tensor bias = bias_in.defined() ? bias_in.to(dtype) : Tensor();
  Tensor y;
  {
    NoGradGuard no_grad;
    y = matmul(rows, w.t());
    if (bias.defined()) y.add_(bias);
  }
  record("linear", {rows, w, bias}, y, {rows, w}, [](const Tensor& g, const BackwardContext& ctx) -> std::vector<Tensor> {
    const Tensor &rows = ctx[0], &w = ctx[1];
    return {ctx.needs(0) ? matmul(g, w) : Tensor(), ctx.needs(1) ? matmul(g.t(), rows) : Tensor(),
            ctx.needs(2) ? g.sum({0}) : Tensor()};
  });
  Shape out_shape = x.shape();
  out_shape.back() = w.shape()[0];
  return y.reshape(out_shape);
}

Tensor embedding(const Tensor& indices, const Tensor& weight) {
  if (weight.dim() != 2)
    throw std::invalid_argument("embedding: weight must be [num_embeddings, dim]; got shape " + shape_str(weight.shape()));
  Shape shape = indices.shape();
  shape.push_back(weight.shape()[1]);
  return index_select(weight, 0, indices.reshape({-1})).reshape(shape);
}

}  // namespace ganforge
