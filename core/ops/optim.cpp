// Fused optimizer updates: one primitive call per parameter, in place and outside autograd
// (like the in-place ops, each bumps the versions of what it changes).
#include <stdexcept>
#include <string>

#include "core/autograd.h"
#include "core/dispatch.h"
#include "core/nn_ops.h"

namespace ganforge {
namespace {

// Parameter and state are written in place: same shape and dtype as the parameter,
// floating, contiguous. The gradient is only read, so any layout is made contiguous.
void check_state(const char* op, const Tensor& param, const char* what, const Tensor& t) {
  if (!t.defined()) throw std::invalid_argument(std::string(op) + ": " + what + " is undefined");
  check_same_device(op, {param, t});
  if (t.shape() != param.shape() || t.dtype() != param.dtype())
    throw std::invalid_argument(std::string(op) + ": " + what + " " + shape_str(t.shape()) + " " + dtype_name(t.dtype()) +
                                " must match the parameter " + shape_str(param.shape()) + " " + dtype_name(param.dtype()));
  if (!t.is_contiguous()) throw std::invalid_argument(std::string(op) + ": " + what + " must be contiguous (it is updated in place)");
}

Tensor checked_gradient(const char* op, const Tensor& param, const Tensor& grad) {
  if (!param.defined() || !is_floating(param.dtype()))
    throw std::invalid_argument(std::string(op) + ": the parameter must be a defined floating tensor");
  check_state(op, param, "param", param);
  if (!grad.defined()) throw std::invalid_argument(std::string(op) + ": grad is undefined (did backward reach this parameter?)");
  check_same_device(op, {param, grad});
  if (grad.shape() != param.shape())
    throw std::invalid_argument(std::string(op) + ": grad " + shape_str(grad.shape()) + " must match the parameter " +
                                shape_str(param.shape()));
  NoGradGuard no_grad;
  return grad.to(param.dtype()).contiguous();
}

}  // namespace

void adam_step(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq, const AdamParams& p) {
  Tensor g = checked_gradient("adam_step", param, grad);
  check_state("adam_step", param, "exp_avg", exp_avg);
  check_state("adam_step", param, "exp_avg_sq", exp_avg_sq);
  if (p.step < 1) throw std::invalid_argument("adam_step: step counts updates from 1; got " + std::to_string(p.step));
  backend_for(param.device()).adam_step(p, describe(param), describe(g), describe(exp_avg), describe(exp_avg_sq));
  for (const Tensor& t : {param, exp_avg, exp_avg_sq}) t.storage()->bump_version();
}

void sgd_step(const Tensor& param, const Tensor& grad, const Tensor& momentum_buffer, const SgdParams& p) {
  Tensor g = checked_gradient("sgd_step", param, grad);
  if (p.nesterov && (p.momentum <= 0 || p.dampening != 0))
    throw std::invalid_argument("sgd_step: nesterov momentum requires momentum > 0 and zero dampening (as PyTorch)");
  kernels::TensorDesc buffer{};
  if (p.momentum != 0) {
    check_state("sgd_step", param, "momentum_buffer", momentum_buffer);
    buffer = describe(momentum_buffer);
  }
  backend_for(param.device()).sgd_step(p, describe(param), describe(g), buffer);
  param.storage()->bump_version();
  if (p.momentum != 0) momentum_buffer.storage()->bump_version();
}

}  // namespace ganforge
