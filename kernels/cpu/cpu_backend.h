// The cpu backend: the fast path on machines without a GPU. Loops are written so that g++
// vectorises them (contiguous inner runs get their own loop), large work is split over
// OpenMP threads (see parallel.h), and GEMM is packed panels and a register-tile kernel
// (gemm_packed.cpp).
#pragma once

#include "kernels/host_backend.h"

namespace ganforge::kernels {

class CpuBackend final : public HostBackend {
 public:
  const char* name() const override { return "cpu"; }

  void copy(const TensorDesc& out, const TensorDesc& in) override;
  void fill(const TensorDesc& out, double value) override;
  void random_uniform(const TensorDesc& out, PhiloxState rng, double low, double high) override;
  void random_normal(const TensorDesc& out, PhiloxState rng, double mean, double stddev) override;
  void random_int(const TensorDesc& out, PhiloxState rng, int64_t low, int64_t high) override;
  void unary(UnaryOp op, const TensorDesc& out, const TensorDesc& in, ScalarParams p) override;
  void unary_backward(UnaryOp op, const TensorDesc& grad_in, const TensorDesc& grad_out,
                      const TensorDesc& x, const TensorDesc& y, ScalarParams p) override;
  void binary(BinaryOp op, const TensorDesc& out, const TensorDesc& a, const TensorDesc& b) override;
  void binary_backward(BinaryOp op, const TensorDesc& grad_a, const TensorDesc& grad_b,
                       const TensorDesc& grad_out, const TensorDesc& a, const TensorDesc& b) override;
  void where(const TensorDesc& out, const TensorDesc& cond, const TensorDesc& a,
             const TensorDesc& b) override;
  void reduce(ReduceOp op, const TensorDesc& out, const TensorDesc& in, ReduceParams p) override;
  void gemm(const GemmDesc& g) override;
  void index_select(const TensorDesc& out, const TensorDesc& in, int dim,
                    const TensorDesc& index) override;
  void index_add(const TensorDesc& out, int dim, const TensorDesc& index,
                 const TensorDesc& src) override;
  // GAN layers (norm.cpp, activation.cpp, resample.cpp, loss.cpp, optim.cpp)
  void batch_norm_forward_train(const TensorDesc& x, const TensorDesc& gamma, const TensorDesc& beta,
                                const TensorDesc& running_mean, const TensorDesc& running_var, double momentum,
                                double eps, const TensorDesc& y, const TensorDesc& save_mean,
                                const TensorDesc& save_invstd) override;
  void batch_norm_forward_eval(const TensorDesc& x, const TensorDesc& gamma, const TensorDesc& beta,
                               const TensorDesc& running_mean, const TensorDesc& running_var, double eps,
                               const TensorDesc& y) override;
  void batch_norm_backward(const TensorDesc& dy, const TensorDesc& x, const TensorDesc& gamma,
                           const TensorDesc& save_mean, const TensorDesc& save_invstd, const TensorDesc& dx,
                           const TensorDesc& dgamma, const TensorDesc& dbeta) override;
  void activation_forward(ActivationOp op, const TensorDesc& y, const TensorDesc& x, double slope) override;
  void activation_backward(ActivationOp op, const TensorDesc& dx, const TensorDesc& dy, const TensorDesc& x,
                           const TensorDesc& y, double slope) override;
  void softmax_forward(const TensorDesc& y, const TensorDesc& x, int dim, bool log) override;
  void softmax_backward(const TensorDesc& dx, const TensorDesc& dy, const TensorDesc& y, int dim, bool log) override;
  void upsample_nearest2d_forward(const TensorDesc& y, const TensorDesc& x) override;
  void upsample_nearest2d_backward(const TensorDesc& dx, const TensorDesc& dy) override;
  void pad2d_forward(PadMode mode, const TensorDesc& y, const TensorDesc& x, const int64_t pads[4]) override;
  void pad2d_backward(PadMode mode, const TensorDesc& dx, const TensorDesc& dy, const int64_t pads[4]) override;
  void loss_forward(LossOp op, Reduction reduction, const TensorDesc& loss, const TensorDesc& input,
                    const TensorDesc& target) override;
  void loss_backward(LossOp op, Reduction reduction, double grad_loss, const TensorDesc& grad_input,
                     const TensorDesc& input, const TensorDesc& target) override;
  void adam_step(const AdamParams& p, const TensorDesc& param, const TensorDesc& grad, const TensorDesc& exp_avg,
                 const TensorDesc& exp_avg_sq) override;
  void sgd_step(const SgdParams& p, const TensorDesc& param, const TensorDesc& grad,
                const TensorDesc& momentum_buffer) override;
  void conv2d_forward(const ConvParams& p, const TensorDesc& x, const TensorDesc& w, const TensorDesc& bias,
                      const TensorDesc& y) override;
  void conv2d_backward_data(const ConvParams& p, const TensorDesc& dy, const TensorDesc& w,
                            const TensorDesc& dx) override;
  void conv2d_backward_filter(const ConvParams& p, const TensorDesc& x, const TensorDesc& dy, const TensorDesc& dw,
                              const TensorDesc& dbias) override;
  void conv_transpose2d_forward(const ConvParams& p, const TensorDesc& x, const TensorDesc& w,
                                const TensorDesc& bias, const TensorDesc& y) override;
  void conv_transpose2d_backward_data(const ConvParams& p, const TensorDesc& dy, const TensorDesc& w,
                                      const TensorDesc& dx) override;
  void conv_transpose2d_backward_filter(const ConvParams& p, const TensorDesc& x, const TensorDesc& dy,
                                        const TensorDesc& dw, const TensorDesc& dbias) override;
};

Backend& cpu_backend();

}  // namespace ganforge::kernels
