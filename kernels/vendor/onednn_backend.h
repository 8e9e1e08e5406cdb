// The onednn backend: oneDNN (Debian's libdnnl-dev, 2.6) for convolution (fprop, dgrad,
// wgrad), batch norm and GEMM on f32 tensors; every other primitive, and what oneDNN does not
// take (f64, a GEMM operand with neither unit row nor unit column stride, a geometry it
// rejects), runs on the cpu backend it derives from. It exists to set GANForge's CPU kernels
// beside the vendor's in the same training step (`--kernels onednn`).
//
// oneDNN offers no TF32 on CPUs, and its bf16 math needs AVX512-BF16 or AMX, so the backend
// computes in FP32 in every math mode, and a run says so (`cpu` follows the modes:
// kernels/math_mode.h).
//
// Activations stay NCHW, the layout GANForge tensors have; weights are reordered into the
// layout oneDNN prefers on every call (they change every step), and that reorder counts in
// the time, as it does in PyTorch's oneDNN path. Primitives are created once per shape and
// kept (creation is milliseconds; a training step repeats the same shapes).
#pragma once

#include "kernels/cpu/cpu_backend.h"

namespace ganforge::kernels {

class OnednnBackend final : public CpuBackend {
 public:
  const char* name() const override { return "onednn"; }
  bool follows_math() const override { return false; }

  void gemm(const GemmDesc& g) override;
  void conv2d_fprop(const ConvParams& p, const TensorDesc& x, const TensorDesc& w, const TensorDesc& bias,
                    const TensorDesc& y) override;
  void conv2d_dgrad(const ConvParams& p, const TensorDesc& dy, const TensorDesc& w, const TensorDesc& bias,
                    const TensorDesc& dx) override;
  void conv2d_wgrad(const ConvParams& p, const TensorDesc& x, const TensorDesc& dy, const TensorDesc& dw,
                    const TensorDesc& dbias) override;
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
};

}  // namespace ganforge::kernels
