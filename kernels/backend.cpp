#include "kernels/backend.h"

#include <stdexcept>

#include "kernels/cpu/cpu_backend.h"
#include "kernels/cuda/backends.h"
#include "kernels/reference/reference_backend.h"

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

const char* unary_op_name(UnaryOp op) {
  switch (op) {
    case UnaryOp::Neg: return "neg";
    case UnaryOp::Exp: return "exp";
    case UnaryOp::Log: return "log";
    case UnaryOp::Sqrt: return "sqrt";
    case UnaryOp::Abs: return "abs";
    case UnaryOp::Pow: return "pow";
    case UnaryOp::Clamp: return "clamp";
    case UnaryOp::AddScalar: return "add_scalar";
    case UnaryOp::MulScalar: return "mul_scalar";
  }
  return "?";
}

const char* binary_op_name(BinaryOp op) {
  switch (op) {
    case BinaryOp::Add: return "add";
    case BinaryOp::Sub: return "sub";
    case BinaryOp::Mul: return "mul";
    case BinaryOp::Div: return "div";
    case BinaryOp::Pow: return "pow";
    case BinaryOp::Minimum: return "minimum";
    case BinaryOp::Maximum: return "maximum";
    case BinaryOp::Eq: return "eq";
    case BinaryOp::Ne: return "ne";
    case BinaryOp::Lt: return "lt";
    case BinaryOp::Le: return "le";
    case BinaryOp::Gt: return "gt";
    case BinaryOp::Ge: return "ge";
  }
  return "?";
}

const char* reduce_op_name(ReduceOp op) {
  switch (op) {
    case ReduceOp::Sum: return "sum";
    case ReduceOp::Mean: return "mean";
    case ReduceOp::Max: return "max";
    case ReduceOp::Min: return "min";
    case ReduceOp::ArgMax: return "argmax";
    case ReduceOp::ArgMin: return "argmin";
    case ReduceOp::Var: return "var";
  }
  return "?";
}

const char* activation_op_name(ActivationOp op) {
  switch (op) {
    case ActivationOp::Relu: return "relu";
    case ActivationOp::LeakyRelu: return "leaky_relu";
    case ActivationOp::Tanh: return "tanh";
    case ActivationOp::Sigmoid: return "sigmoid";
  }
  return "?";
}

const char* loss_op_name(LossOp op) {
  switch (op) {
    case LossOp::Mse: return "mse";
    case LossOp::L1: return "l1";
    case LossOp::Bce: return "bce";
    case LossOp::BceWithLogits: return "bce_with_logits";
    case LossOp::CrossEntropy: return "cross_entropy";
  }
  return "?";
}

// Defaults of the GAN-layer primitives: a backend that does not override one lacks it.
#define GANFORGE_UNSUPPORTED(primitive) throw UnsupportedPrimitive(name(), primitive)
void Backend::conv2d_forward(const ConvParams&, const TensorDesc&, const TensorDesc&, const TensorDesc&,
                             const TensorDesc&) { GANFORGE_UNSUPPORTED("conv2d_forward"); }
void Backend::conv2d_backward_data(const ConvParams&, const TensorDesc&, const TensorDesc&, const TensorDesc&) {
  GANFORGE_UNSUPPORTED("conv2d_backward_data");
}
void Backend::conv2d_backward_filter(const ConvParams&, const TensorDesc&, const TensorDesc&, const TensorDesc&,
                                     const TensorDesc&) { GANFORGE_UNSUPPORTED("conv2d_backward_filter"); }
void Backend::conv_transpose2d_forward(const ConvParams&, const TensorDesc&, const TensorDesc&, const TensorDesc&,
                                       const TensorDesc&) { GANFORGE_UNSUPPORTED("conv_transpose2d_forward"); }
void Backend::conv_transpose2d_backward_data(const ConvParams&, const TensorDesc&, const TensorDesc&,
                                             const TensorDesc&) { GANFORGE_UNSUPPORTED("conv_transpose2d_backward_data"); }
void Backend::conv_transpose2d_backward_filter(const ConvParams&, const TensorDesc&, const TensorDesc&,
                                               const TensorDesc&, const TensorDesc&) {
  GANFORGE_UNSUPPORTED("conv_transpose2d_backward_filter");
}
void Backend::batch_norm_forward_train(const TensorDesc&, const TensorDesc&, const TensorDesc&, const TensorDesc&,
                                       const TensorDesc&, double, double, const TensorDesc&, const TensorDesc&,
                                       const TensorDesc&) { GANFORGE_UNSUPPORTED("batch_norm_forward_train"); }
void Backend::batch_norm_forward_eval(const TensorDesc&, const TensorDesc&, const TensorDesc&, const TensorDesc&,
                                      const TensorDesc&, double, const TensorDesc&) {
  GANFORGE_UNSUPPORTED("batch_norm_forward_eval");
}
void Backend::batch_norm_backward(const TensorDesc&, const TensorDesc&, const TensorDesc&, const TensorDesc&,
                                  const TensorDesc&, const TensorDesc&, const TensorDesc&, const TensorDesc&) {
  GANFORGE_UNSUPPORTED("batch_norm_backward");
}
void Backend::activation_forward(ActivationOp, const TensorDesc&, const TensorDesc&, double) {
  GANFORGE_UNSUPPORTED("activation_forward");
}
void Backend::activation_backward(ActivationOp, const TensorDesc&, const TensorDesc&, const TensorDesc&,
                                  const TensorDesc&, double) { GANFORGE_UNSUPPORTED("activation_backward"); }
void Backend::softmax_forward(const TensorDesc&, const TensorDesc&, int, bool) { GANFORGE_UNSUPPORTED("softmax_forward"); }
void Backend::softmax_backward(const TensorDesc&, const TensorDesc&, const TensorDesc&, int, bool) {
  GANFORGE_UNSUPPORTED("softmax_backward");
}
void Backend::upsample_nearest2d_forward(const TensorDesc&, const TensorDesc&) {
  GANFORGE_UNSUPPORTED("upsample_nearest2d_forward");
}
void Backend::upsample_nearest2d_backward(const TensorDesc&, const TensorDesc&) {
  GANFORGE_UNSUPPORTED("upsample_nearest2d_backward");
}
void Backend::pad2d_forward(PadMode, const TensorDesc&, const TensorDesc&, const int64_t[4]) {
  GANFORGE_UNSUPPORTED("pad2d_forward");
}
void Backend::pad2d_backward(PadMode, const TensorDesc&, const TensorDesc&, const int64_t[4]) {
  GANFORGE_UNSUPPORTED("pad2d_backward");
}
void Backend::loss_forward(LossOp, Reduction, const TensorDesc&, const TensorDesc&, const TensorDesc&) {
  GANFORGE_UNSUPPORTED("loss_forward");
}
void Backend::loss_backward(LossOp, Reduction, double, const TensorDesc&, const TensorDesc&, const TensorDesc&) {
  GANFORGE_UNSUPPORTED("loss_backward");
}
void Backend::adam_step(const AdamParams&, const TensorDesc&, const TensorDesc&, const TensorDesc&, const TensorDesc&) {
  GANFORGE_UNSUPPORTED("adam_step");
}
void Backend::sgd_step(const SgdParams&, const TensorDesc&, const TensorDesc&, const TensorDesc&) {
  GANFORGE_UNSUPPORTED("sgd_step");
}
#undef GANFORGE_UNSUPPORTED

void Backend::adam_step_multi(const AdamParams& p, std::span<const AdamTensors> tensors) {
  for (const AdamTensors& t : tensors) adam_step(p, t.param, t.grad, t.exp_avg, t.exp_avg_sq);
}

void Backend::sgd_step_multi(const SgdParams& p, std::span<const SgdTensors> tensors) {
  for (const SgdTensors& t : tensors) sgd_step(p, t.param, t.grad, t.momentum_buffer);
}

const std::vector<Backend*>& all_backends() {
  static const std::vector<Backend*> backends = {
      &reference_backend(), &cpu_backend(),
#ifdef GANFORGE_WITH_CUDA_KERNELS
      &cuda_backend(),
#endif
#ifdef GANFORGE_WITH_CUDA_SIM
      &cuda_sim_backend(),
#endif
  };
  return backends;
}

Backend& find_backend(const std::string& name) {
  std::string known;
  for (Backend* b : all_backends()) {
    if (name == b->name()) return *b;
    known += known.empty() ? "" : ", ";
    known += b->name();
  }
  throw std::invalid_argument("unknown kernels '" + name + "'; this build has: " + known);
}

}  // namespace ganforge::kernels
