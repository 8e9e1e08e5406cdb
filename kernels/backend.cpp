#include "kernels/backend.h"

#include <stdexcept>
#include <string>

namespace ganforge::kernels {

int64_t TensorDesc::numel() const {
  int64_t n = 1;
  for (int d = 0; d < ndim; ++d) n *= shape[d];
  return n;
}

bool TensorDesc::is_contiguous() const {
  int64_t expected = 1;
  for (int d = ndim - 1; d >= 0; --d) {
    if (shape[d] != 1 && strides[d] != expected) return false;
    expected *= shape[d];
  }
  return true;
}

// The default body of every primitive: the backend lacks it. The parameters are named in the
// list, and unused here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#define GANFORGE_UNSUPPORTED_BODY(primitive, ops, parameters, arguments) \
  void Backend::primitive parameters { throw UnsupportedPrimitive(name(), #primitive); }
GANFORGE_PRIMITIVES(GANFORGE_UNSUPPORTED_BODY)
#undef GANFORGE_UNSUPPORTED_BODY
#pragma GCC diagnostic pop

void Backend::adam_step_multi(const AdamParams& p, std::span<const AdamTensors> tensors) {
  for (const AdamTensors& t : tensors) adam_step(p, t.param, t.grad, t.exp_avg, t.exp_avg_sq);
}

namespace {

// A buffer of this backend's memory for one call's intermediate, with x's shape and dtype.
class Scratch {
 public:
  Scratch(Backend& backend, const TensorDesc& like) : backend_(backend), desc_(like) {
    desc_.data = backend.allocate(static_cast<size_t>(like.numel()) * dtype_size(like.dtype));
    int64_t stride = 1;
    for (int d = desc_.ndim - 1; d >= 0; --d) {
      desc_.strides[d] = stride;
      stride *= desc_.shape[d];
    }
  }
  ~Scratch() { backend_.deallocate(desc_.data); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  const TensorDesc& desc() const { return desc_; }

 private:
  Backend& backend_;
  TensorDesc desc_;
};

}  // namespace

void Backend::batch_norm_act_forward_train(ActivationOp op, double alpha, const TensorDesc& x, const TensorDesc& gamma,
                                           const TensorDesc& beta, const TensorDesc& running_mean,
                                           const TensorDesc& running_var, double momentum, double eps,
                                           const TensorDesc& y, const TensorDesc& save_mean,
                                           const TensorDesc& save_invstd) {
  const Scratch normalised(*this, x);
  batch_norm_forward_train(x, gamma, beta, running_mean, running_var, momentum, eps, normalised.desc(), save_mean,
                           save_invstd);
  activation_forward(op, y, normalised.desc(), alpha);
}

// activation_backward given y for x as well: for the ops that read x (ReLU, LeakyReLU) only
// the sign of x matters, and y has it.
void Backend::batch_norm_act_backward(ActivationOp op, double alpha, const TensorDesc& dy, const TensorDesc& y,
                                      const TensorDesc& x, const TensorDesc& gamma, const TensorDesc& save_mean,
                                      const TensorDesc& save_invstd, const TensorDesc& dx, const TensorDesc& dgamma,
                                      const TensorDesc& dbeta) {
  if (op == ActivationOp::LeakyRelu && alpha < 0)
    throw std::invalid_argument("batch_norm_act_backward: LeakyReLU's slope must be >= 0 (the sign of y stands for "
                                "its input's); got " + std::to_string(alpha));
  const Scratch normalised_grad(*this, x);
  activation_backward(op, normalised_grad.desc(), dy, y, y, alpha);
  batch_norm_backward(normalised_grad.desc(), x, gamma, save_mean, save_invstd, dx, dgamma, dbeta);
}

void Backend::sgd_step_multi(const SgdParams& p, std::span<const SgdTensors> tensors) {
  for (const SgdTensors& t : tensors) sgd_step(p, t.param, t.grad, t.momentum_buffer);
}

}  // namespace ganforge::kernels
