// The cpu backend: the fast path on machines without a GPU. Loops are written so that g++
// vectorises them (contiguous inner runs get their own loop), large work is split over
// OpenMP threads (see parallel.h), and GEMM is Eigen's.
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
