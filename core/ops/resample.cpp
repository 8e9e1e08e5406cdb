// Nearest upsampling, zero and reflection padding of [N, C, H, W], and dropout. Upsampling
// and padding are primitives whose backward gathers the output gradient back into the
// input; dropout is x·mask/(1-p) with the mask drawn by rand() from a Philox generator, so
// a seed gives the same mask on every backend, and its gradient is that of the product.
#include <stdexcept>
#include <string>

#include "core/dispatch.h"
#include "core/layer_ops.h"
#include "core/ops.h"

namespace ganforge {
namespace {

using kernels::PadMode;

TensorOptions like(const Tensor& x) { return TensorOptions{x.dtype(), x.device(), false}; }

void check_image(const char* op, const Tensor& x) {
  if (x.dim() != 4)
    throw std::invalid_argument(std::string(op) + ": expected x of shape [N, C, H, W]; got " + shape_str(x.shape()));
  if (!is_floating(x.dtype()))
    throw std::invalid_argument(std::string(op) + ": expects a floating tensor (f32 or f64); got " + dtype_name(x.dtype()));
}

Tensor pad2d(PadMode mode, const char* op, const Tensor& x_in, int64_t top, int64_t bottom, int64_t left, int64_t right) {
  check_image(op, x_in);
  if (top < 0 || bottom < 0 || left < 0 || right < 0)
    throw std::invalid_argument(std::string(op) + ": paddings must be >= 0; got top " + std::to_string(top) + ", bottom " +
                                std::to_string(bottom) + ", left " + std::to_string(left) + ", right " + std::to_string(right));
  const int64_t h = x_in.size(2), w = x_in.size(3);
  if (mode == PadMode::Reflect && (top >= h || bottom >= h || left >= w || right >= w))
    throw std::invalid_argument(std::string(op) + ": each padding must be less than the input size along its dim (as in "
                                "PyTorch); got top " + std::to_string(top) + ", bottom " + std::to_string(bottom) +
                                " for height " + std::to_string(h) + " and left " + std::to_string(left) + ", right " +
                                std::to_string(right) + " for width " + std::to_string(w) + " of x " + shape_str(x_in.shape()));
  const int64_t pads[4] = {top, bottom, left, right};
  Tensor x = x_in.contiguous();
  Tensor y = empty({x.size(0), x.size(1), h + top + bottom, w + left + right}, like(x));
  backend_for(x.device()).pad2d_forward(mode, describe(y), describe(x), pads);
  Shape input_shape = x.shape();
  // dx[i, j] = Σ of dy over the padded positions that read x[i, j]
  record(op, {x}, y, {}, [mode, input_shape, top, bottom, left, right](const Tensor& g, const BackwardContext&) -> std::vector<Tensor> {
    const int64_t p[4] = {top, bottom, left, right};
    Tensor dx = empty(input_shape, like(g));
    backend_for(g.device()).pad2d_backward(mode, describe(dx), describe(g.contiguous()), p);
    return {dx};
  });
  return y;
}

void check_probability(const char* op, double p) {
  if (!(p >= 0 && p <= 1))
    throw std::invalid_argument(std::string(op) + ": probability p must be in [0, 1]; got " + std::to_string(p));
}

// x·keep/(1-p), keep = [u >= p] with u ~ U[0, 1) of mask_shape (broadcast over x).
// p = 1 keeps nothing and gives x·0, as PyTorch.
Tensor drop(const Tensor& x, double p, const Shape& mask_shape, Generator* gen) {
  Tensor u = rand(mask_shape, like(x), gen);
  Tensor keep = ge(u, scalar_tensor(p, like(x)));
  return x * (keep * (p == 1 ? 0.0 : 1.0 / (1.0 - p)));
}

}  // namespace

// dx[i, j] = Σ of dy over the scale_h × scale_w block that copies x[i, j]
Tensor upsample_nearest2d(const Tensor& x_in, int64_t scale_h, int64_t scale_w) {
  check_image("upsample_nearest2d", x_in);
  if (scale_h < 1 || scale_w < 1)
    throw std::invalid_argument("upsample_nearest2d: scale factors must be integers >= 1; got " + std::to_string(scale_h) +
                                " x " + std::to_string(scale_w));
  Tensor x = x_in.contiguous();
  Tensor y = empty({x.size(0), x.size(1), x.size(2) * scale_h, x.size(3) * scale_w}, like(x));
  backend_for(x.device()).upsample_nearest2d_forward(describe(y), describe(x));
  Shape input_shape = x.shape();
  record("upsample_nearest2d", {x}, y, {}, [input_shape](const Tensor& g, const BackwardContext&) -> std::vector<Tensor> {
    Tensor dx = empty(input_shape, like(g));
    backend_for(g.device()).upsample_nearest2d_backward(describe(dx), describe(g.contiguous()));
    return {dx};
  });
  return y;
}

Tensor zero_pad2d(const Tensor& x, int64_t top, int64_t bottom, int64_t left, int64_t right) {
  return pad2d(PadMode::Zero, "zero_pad2d", x, top, bottom, left, right);
}

Tensor reflection_pad2d(const Tensor& x, int64_t top, int64_t bottom, int64_t left, int64_t right) {
  return pad2d(PadMode::Reflect, "reflection_pad2d", x, top, bottom, left, right);
}

// In training, p = 0 returns x without drawing random numbers.
Tensor dropout(const Tensor& x, double p, bool training, Generator* gen) {
  check_probability("dropout", p);
  if (!training || p == 0) return x;
  if (!is_floating(x.dtype()))
    throw std::invalid_argument(std::string("dropout: expects a floating tensor (f32 or f64); got ") + dtype_name(x.dtype()));
  return drop(x, p, x.shape(), gen);
}

Tensor dropout2d(const Tensor& x, double p, bool training, Generator* gen) {
  check_probability("dropout2d", p);
  check_image("dropout2d", x);
  if (!training || p == 0) return x;
  return drop(x, p, {x.size(0), x.size(1), 1, 1}, gen);
}

}  // namespace ganforge
