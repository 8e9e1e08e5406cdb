// Activations and softmax. Each forward is one primitive; the backward is the matching
// *_backward primitive, fed with x or the saved output y, whichever its derivative is written
// in (kernels::backward_reads; softmax's is written in y).
#include <stdexcept>
#include <string>

#include "core/dispatch.h"
#include "core/layer_ops.h"
#include "core/ops.h"

namespace ganforge {
namespace {

using kernels::ActivationOp;
using kernels::Reads;
using kernels::SoftmaxOp;

TensorOptions like(const Tensor& x) { return TensorOptions{x.dtype(), x.device(), false}; }

void require_floating(const char* op, const Tensor& x) {
  if (!is_floating(x.dtype()))
    throw std::invalid_argument(std::string(op) + ": expects a floating tensor (f32 or f64); got " + dtype_name(x.dtype()));
}

// `alpha`: the activation's parameter (LeakyReLU's negative slope), 0 where it has none.
Tensor activation(ActivationOp op, const Tensor& x, double alpha = 0) {
  const char* name = kernels::op_name(op);
  require_floating(name, x);
  Tensor y = empty(x.shape(), like(x));
  backend_for(x.device()).activation_forward(op, describe(y), describe(x), alpha);
  const bool through_x = kernels::backward_reads(op) == Reads::Input;
  Tensor saved_x = through_x ? x : Tensor(), saved_y = through_x ? Tensor() : y.detach();
  record(name, {x}, y, {saved_x, saved_y}, [op, alpha](const Tensor& g, const BackwardContext& ctx) -> std::vector<Tensor> {
    Tensor dx = empty(g.shape(), like(g));
    const Tensor& x = ctx[0].defined() ? ctx[0] : ctx[1];  // the unused operand is never read
    const Tensor& y = ctx[1].defined() ? ctx[1] : ctx[0];
    backend_for(g.device()).activation_backward(op, describe(dx), describe(g), describe(x), describe(y), alpha);
    return {dx};
  });
  return y;
}

Tensor softmax_along(SoftmaxOp op, const Tensor& x_in, int dim_in) {
  const char* name = kernels::op_name(op);
  require_floating(name, x_in);
  const int dim = x_in.dim() == 0 ? 0 : wrap_dim(dim_in, x_in.dim(), name);
  Tensor x = x_in.contiguous();
  Tensor y = empty(x.shape(), like(x));
  backend_for(x.device()).softmax_forward(op, describe(y), describe(x), dim);
  record(name, {x}, y, {y.detach()}, [op, dim](const Tensor& g, const BackwardContext& ctx) -> std::vector<Tensor> {
    Tensor dx = empty(g.shape(), like(g));
    backend_for(g.device()).softmax_backward(op, describe(dx), describe(g.contiguous()), describe(ctx[0]), dim);
    return {dx};
  });
  return y;
}

}  // namespace

// d relu/dx = [x > 0]
Tensor relu(const Tensor& x) { return activation(ActivationOp::Relu, x); }
// d leaky_relu/dx = x > 0 ? 1 : slope
Tensor leaky_relu(const Tensor& x, double negative_slope) { return activation(ActivationOp::LeakyRelu, x, negative_slope); }
// d elu/dx = x > 0 ? 1 : alpha·eˣ = y + alpha
Tensor elu(const Tensor& x, double alpha) {
  if (!(alpha >= 0)) throw std::invalid_argument("elu: alpha must be >= 0; got " + std::to_string(alpha));
  return activation(ActivationOp::Elu, x, alpha);
}
// d tanh/dx = 1 - y²
Tensor tanh(const Tensor& x) { return activation(ActivationOp::Tanh, x); }
// d sigmoid/dx = y·(1 - y)
Tensor sigmoid(const Tensor& x) { return activation(ActivationOp::Sigmoid, x); }
// d softmax_k/dx_j = y_k·([k = j] - y_j), so dx = y·(dy - Σ dy·y)
Tensor softmax(const Tensor& x, int dim) { return softmax_along(SoftmaxOp::Softmax, x, dim); }
// d log_softmax_k/dx_j = [k = j] - softmax_j, so dx = dy - exp(y)·Σ dy
Tensor log_softmax(const Tensor& x, int dim) { return softmax_along(SoftmaxOp::LogSoftmax, x, dim); }

}  // namespace ganforge
