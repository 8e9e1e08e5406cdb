// In-place ops. They are not recorded by autograd: on a tensor that takes part in a graph
// they would silently change what backward sees, so they are refused while grad mode is on
// and a tensor involved requires grad (run them under NoGradGuard, as optimizers do).
// Each bumps the storage's version so that a saved tensor changed later is detected.
#include <cmath>
#include <stdexcept>

#include "core/dispatch.h"
#include "core/ops.h"

namespace ganforge {
namespace {

void check_inplace(const char* op, const Tensor& self, const Tensor& other = Tensor()) {
  for (int d = 0; d < self.dim(); ++d)
    if (self.strides()[d] == 0 && self.shape()[d] > 1)
      throw std::invalid_argument(std::string(op) + ": the tensor of shape " + shape_str(self.shape()) +
                                  " is an expanded view whose elements share memory; writing to it in place is "
                                  "ambiguous, so clone() it first");
  if (!GradMode::enabled()) return;
  if (self.requires_grad() || (other.defined() && other.requires_grad()))
    throw std::invalid_argument(std::string(op) + ": in-place change of a tensor of shape " + shape_str(self.shape()) +
                                " that takes part in autograd; use the out-of-place op, or run it under NoGradGuard");
}

// `other` broadcast to self's shape and converted to its dtype, never aliasing self.
Tensor operand_for(const char* op, const Tensor& self, const Tensor& other) {
  check_same_device(op, {self, other});
  Shape result = broadcast_shapes(self.shape(), other.shape(), op);
  if (result != self.shape())
    throw std::invalid_argument(std::string(op) + ": cannot write a result of shape " + shape_str(result) +
                                " into a tensor of shape " + shape_str(self.shape()));
  NoGradGuard no_grad;
  Tensor converted = other.to(self.dtype());
  return converted.storage() == self.storage() ? converted.clone() : converted;
}

// An integer tensor cannot hold the result of a fractional scale; PyTorch refuses it too.
void check_integral_scalar(const char* op, const Tensor& self, double scalar) {
  if (!is_floating(self.dtype()) && std::trunc(scalar) != scalar)
    throw std::invalid_argument(std::string(op) + ": an i64 tensor cannot be scaled in place by the fractional " +
                                std::to_string(scalar) + "; convert it with to(DType::F32) first");
}

}  // namespace

Tensor& Tensor::fill_(double value) {
  check_inplace("fill_", *this);
  backend_for(device()).fill(describe(*this), value);
  storage()->bump_version();
  return *this;
}

Tensor& Tensor::zero_() { return fill_(0); }

Tensor& Tensor::copy_(const Tensor& source) {
  check_inplace("copy_", *this, source);
  Tensor src = operand_for("copy_", *this, source);
  backend_for(device()).copy(describe(*this), describe_broadcast(src, shape()));
  storage()->bump_version();
  return *this;
}

Tensor& Tensor::add_(const Tensor& other, double alpha) {
  check_inplace("add_", *this, other);
  check_integral_scalar("add_", *this, alpha);
  Tensor operand = operand_for("add_", *this, other);
  if (alpha != 1) {
    NoGradGuard no_grad;
    operand = mul(operand, alpha);
  }
  backend_for(device()).binary(kernels::BinaryOp::Add, describe(*this), describe(*this), describe_broadcast(operand, shape()));
  storage()->bump_version();
  return *this;
}

Tensor& Tensor::mul_(const Tensor& other) {
  check_inplace("mul_", *this, other);
  Tensor operand = operand_for("mul_", *this, other);
  backend_for(device()).binary(kernels::BinaryOp::Mul, describe(*this), describe(*this), describe_broadcast(operand, shape()));
  storage()->bump_version();
  return *this;
}

Tensor& Tensor::mul_(double factor) {
  check_inplace("mul_", *this);
  check_integral_scalar("mul_", *this, factor);
  backend_for(device()).unary(kernels::UnaryOp::MulScalar, describe(*this), describe(*this), {factor, 0});
  storage()->bump_version();
  return *this;
}

}  // namespace ganforge
