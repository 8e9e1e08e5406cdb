// Fused optimizer updates: one primitive call per parameter, or one for a whole list of them
// (adam_step_multi / sgd_step_multi: a few kernel launches for a model on cuda), in place and
// outside autograd (like the in-place ops, each bumps the versions of what it changes).
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/autograd.h"
#include "core/dispatch.h"
#include "core/layer_ops.h"

namespace ganforge {
namespace {

// Parameter and state are written in place: same shape and dtype as the parameter,
// floating, contiguous. The gradient is only read, so any layout is made contiguous.
void check_state(const std::string& op, const Tensor& param, const char* what, const Tensor& t) {
  if (!t.defined()) throw std::invalid_argument(op + ": " + what + " is undefined");
  check_same_device(op.c_str(), {param, t});
  if (t.shape() != param.shape() || t.dtype() != param.dtype())
    throw std::invalid_argument(op + ": " + what + " " + shape_str(t.shape()) + " " + dtype_name(t.dtype()) +
                                " must match the parameter " + shape_str(param.shape()) + " " + dtype_name(param.dtype()));
  if (!t.is_contiguous()) throw std::invalid_argument(op + ": " + what + " must be contiguous (it is updated in place)");
}

Tensor checked_gradient(const std::string& op, const Tensor& param, const Tensor& grad) {
  if (!param.defined() || !is_floating(param.dtype()))
    throw std::invalid_argument(op + ": the parameter must be a defined floating tensor");
  check_state(op, param, "param", param);
  if (!grad.defined()) throw std::invalid_argument(op + ": grad is undefined (did backward reach this parameter?)");
  check_same_device(op.c_str(), {param, grad});
  if (grad.shape() != param.shape())
    throw std::invalid_argument(op + ": grad " + shape_str(grad.shape()) + " must match the parameter " +
                                shape_str(param.shape()));
  NoGradGuard no_grad;
  return grad.to(param.dtype()).contiguous();
}

void check_adam(const AdamParams& p) {
  if (p.step < 1) throw std::invalid_argument("adam_step: step counts updates from 1; got " + std::to_string(p.step));
}

void check_sgd(const SgdParams& p) {
  if (p.nesterov && (p.momentum <= 0 || p.dampening != 0))
    throw std::invalid_argument("sgd_step: nesterov momentum requires momentum > 0 and zero dampening (as PyTorch)");
}

// One parameter's tensors checked and described; `grad` receives the contiguous gradient the
// descriptor points into (it must outlive the primitive call).
kernels::AdamTensors adam_tensors(const std::string& op, const Tensor& param, const Tensor& grad_in, const Tensor& exp_avg,
                                  const Tensor& exp_avg_sq, Tensor& grad) {
  grad = checked_gradient(op, param, grad_in);
  check_state(op, param, "exp_avg", exp_avg);
  check_state(op, param, "exp_avg_sq", exp_avg_sq);
  return {describe(param), describe(grad), describe(exp_avg), describe(exp_avg_sq)};
}

kernels::SgdTensors sgd_tensors(const std::string& op, const Tensor& param, const Tensor& grad_in,
                                const Tensor& momentum_buffer, const SgdParams& p, Tensor& grad) {
  grad = checked_gradient(op, param, grad_in);
  kernels::TensorDesc buffer{};
  if (p.momentum != 0) {
    check_state(op, param, "momentum_buffer", momentum_buffer);
    buffer = describe(momentum_buffer);
  }
  return {describe(param), describe(grad), buffer};
}

void bump_versions(const std::vector<Tensor>& tensors) {
  for (const Tensor& t : tensors) t.storage()->bump_version();
}

// The lists must pair up with params; "op (parameter i)" names an element in errors.
void check_lists(const char* op, const std::vector<Tensor>& params,
                 std::initializer_list<std::pair<const char*, const std::vector<Tensor>*>> lists) {
  for (auto [what, list] : lists)
    if (list->size() != params.size())
      throw std::invalid_argument(std::string(op) + ": " + std::to_string(params.size()) + " params but " +
                                  std::to_string(list->size()) + " " + what);
  check_same_device(op, params);
}

std::string element(const char* op, size_t i) { return std::string(op) + " (parameter " + std::to_string(i) + ")"; }

}  // namespace

void adam_step(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq, const AdamParams& p) {
  check_adam(p);
  Tensor g;
  const kernels::AdamTensors t = adam_tensors("adam_step", param, grad, exp_avg, exp_avg_sq, g);
  backend_for(param.device()).adam_step(p, t.param, t.grad, t.exp_avg, t.exp_avg_sq);
  bump_versions({param, exp_avg, exp_avg_sq});
}

void sgd_step(const Tensor& param, const Tensor& grad, const Tensor& momentum_buffer, const SgdParams& p) {
  check_sgd(p);
  Tensor g;
  const kernels::SgdTensors t = sgd_tensors("sgd_step", param, grad, momentum_buffer, p, g);
  backend_for(param.device()).sgd_step(p, t.param, t.grad, t.momentum_buffer);
  bump_versions(p.momentum != 0 ? std::vector<Tensor>{param, momentum_buffer} : std::vector<Tensor>{param});
}

void adam_step(const std::vector<Tensor>& params, const std::vector<Tensor>& grads, const std::vector<Tensor>& exp_avgs,
               const std::vector<Tensor>& exp_avg_sqs, const AdamParams& p) {
  check_adam(p);
  check_lists("adam_step", params, {{"grads", &grads}, {"exp_avgs", &exp_avgs}, {"exp_avg_sqs", &exp_avg_sqs}});
  if (params.empty()) return;
  std::vector<Tensor> contiguous_grads(params.size());
  std::vector<kernels::AdamTensors> tensors;
  for (size_t i = 0; i < params.size(); ++i)
    tensors.push_back(adam_tensors(element("adam_step", i), params[i], grads[i], exp_avgs[i], exp_avg_sqs[i], contiguous_grads[i]));
  backend_for(params[0].device()).adam_step_multi(p, tensors);
  for (const std::vector<Tensor>* list : {&params, &exp_avgs, &exp_avg_sqs}) bump_versions(*list);
}

void sgd_step(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
              const std::vector<Tensor>& momentum_buffers, const SgdParams& p) {
  check_sgd(p);
  const bool buffers = p.momentum != 0 || !momentum_buffers.empty();
  if (buffers)
    check_lists("sgd_step", params, {{"grads", &grads}, {"momentum_buffers", &momentum_buffers}});
  else
    check_lists("sgd_step", params, {{"grads", &grads}});
  if (params.empty()) return;
  std::vector<Tensor> contiguous_grads(params.size());
  std::vector<kernels::SgdTensors> tensors;
  for (size_t i = 0; i < params.size(); ++i)
    tensors.push_back(sgd_tensors(element("sgd_step", i), params[i], grads[i], buffers ? momentum_buffers[i] : Tensor(), p,
                                  contiguous_grads[i]));
  backend_for(params[0].device()).sgd_step_multi(p, tensors);
  bump_versions(params);
  if (p.momentum != 0) bump_versions(momentum_buffers);
}

}  // namespace ganforge
