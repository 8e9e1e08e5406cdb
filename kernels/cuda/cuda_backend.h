// The backend class of kernels/cuda, compiled twice: by nvcc (namespace cuda_device, backend
// "cuda") and by g++ against the SIMT emulator (namespace cuda_simt, backend "cuda-sim").
// Included only by kernels/cuda/*.cu. Each primitive's kernels live in one file:
// memory_elementwise.cu, reduce.cu, gemm.cu; backend.cu holds memory and the launch shapes.
#pragma once

#include "kernels/backend.h"
#include "kernels/cuda/device.h"

namespace ganforge::kernels::GANFORGE_CUDA_NS {

constexpr int kThreadsPerBlock = 256;

// Blocks for a grid-stride loop over n elements: enough to fill the device, no more.
unsigned grid_for(int64_t n);

// Up to N operands sharing one shape, passed to kernels by value. Size-1 dims are dropped and
// neighbouring dims merged where every operand allows it, so a contiguous tensor is one dim.
template <int N>
struct Operands {
  int ndim = 0;
  int64_t shape[kMaxDims] = {};
  int64_t strides[N][kMaxDims] = {};

  // The element offset of each operand at row-major flat index `flat`.
  __host__ __device__ void offsets(int64_t flat, int64_t* off) const {
    for (int o = 0; o < N; ++o) off[o] = 0;
    for (int d = ndim - 1; d >= 0; --d) {
      const int64_t i = flat % shape[d];
      flat /= shape[d];
      for (int o = 0; o < N; ++o) off[o] += i * strides[o][d];
    }
  }
};

template <int N>
Operands<N> coalesce(const TensorDesc* const (&descs)[N]) {
  Operands<N> ops;
  const TensorDesc& first = *descs[0];
  for (int d = 0; d < first.ndim; ++d) {
    if (first.shape[d] == 1) continue;
    bool merge = ops.ndim > 0;
    for (int o = 0; o < N && merge; ++o) merge = descs[o]->strides[d] * first.shape[d] == ops.strides[o][ops.ndim - 1];
    if (merge) {
      ops.shape[ops.ndim - 1] *= first.shape[d];
      for (int o = 0; o < N; ++o) ops.strides[o][ops.ndim - 1] = descs[o]->strides[d];
    } else {
      ops.shape[ops.ndim] = first.shape[d];
      for (int o = 0; o < N; ++o) ops.strides[o][ops.ndim] = descs[o]->strides[d];
      ++ops.ndim;
    }
  }
  return ops;
}

// Calls f(T{}) with the C++ type of dtype.
template <class F>
void dispatch_dtype(DType dtype, F&& f) {
  switch (dtype) {
    case DType::F32: f(float{}); break;
    case DType::F64: f(double{}); break;
    case DType::I64: f(int64_t{}); break;
  }
}

// Calls f(T{}) with float or double: for primitives of floating tensors only.
template <class F>
void dispatch_float_dtype(DType dtype, F&& f) {
  if (dtype == DType::F32)
    f(float{});
  else
    f(double{});
}

class CudaBackend final : public Backend {
 public:
  const char* name() const override;
  DeviceType device_type() const override;
  bool available() const override;

  void* allocate(size_t bytes) override;
  void deallocate(void* ptr) override;
  void copy_from_host(void* dst, const void* src, size_t bytes) override;
  void copy_to_host(void* dst, const void* src, size_t bytes) override;
  void synchronize() override;

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
  // norm.cu
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
  // activation.cu
  void activation_forward(ActivationOp op, const TensorDesc& y, const TensorDesc& x, double slope) override;
  void activation_backward(ActivationOp op, const TensorDesc& dx, const TensorDesc& dy, const TensorDesc& x,
                           const TensorDesc& y, double slope) override;
  void softmax_forward(const TensorDesc& y, const TensorDesc& x, int dim, bool log) override;
  void softmax_backward(const TensorDesc& dx, const TensorDesc& dy, const TensorDesc& y, int dim, bool log) override;
  // resample.cu
  void upsample_nearest2d_forward(const TensorDesc& y, const TensorDesc& x) override;
  void upsample_nearest2d_backward(const TensorDesc& dx, const TensorDesc& dy) override;
  void pad2d_forward(PadMode mode, const TensorDesc& y, const TensorDesc& x, const int64_t pads[4]) override;
  void pad2d_backward(PadMode mode, const TensorDesc& dx, const TensorDesc& dy, const int64_t pads[4]) override;
  // loss.cu
  void loss_forward(LossOp op, Reduction reduction, const TensorDesc& loss, const TensorDesc& input,
                    const TensorDesc& target) override;
  void loss_backward(LossOp op, Reduction reduction, double grad_loss, const TensorDesc& grad_input,
                     const TensorDesc& input, const TensorDesc& target) override;
  // optim.cu
  void adam_step(const AdamParams& p, const TensorDesc& param, const TensorDesc& grad, const TensorDesc& exp_avg,
                 const TensorDesc& exp_avg_sq) override;
  void sgd_step(const SgdParams& p, const TensorDesc& param, const TensorDesc& grad,
                const TensorDesc& momentum_buffer) override;
  void adam_step_multi(const AdamParams& p, std::span<const AdamTensors> tensors) override;
  void sgd_step_multi(const SgdParams& p, std::span<const SgdTensors> tensors) override;
  // conv.cu
  void conv2d_forward(const ConvParams& p, const TensorDesc& x, const TensorDesc& w, const TensorDesc& bias,
                      const TensorDesc& y) override;
  void conv2d_backward_data(const ConvParams& p, const TensorDesc& dy, const TensorDesc& w,
                            const TensorDesc& dx) override;
  void conv2d_backward_filter(const ConvParams& p, const TensorDesc& x, const TensorDesc& dy, const TensorDesc& dw,
                              const TensorDesc& dbias) override;
  void conv_transpose2d_forward(const ConvParams& p, const TensorDesc& x, const TensorDesc& w, const TensorDesc& bias,
                                const TensorDesc& y) override;
  void conv_transpose2d_backward_data(const ConvParams& p, const TensorDesc& dy, const TensorDesc& w,
                                      const TensorDesc& dx) override;
  void conv_transpose2d_backward_filter(const ConvParams& p, const TensorDesc& x, const TensorDesc& dy,
                                        const TensorDesc& dw, const TensorDesc& dbias) override;
};

}  // namespace ganforge::kernels::GANFORGE_CUDA_NS
