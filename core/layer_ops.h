// The differentiable ops of layers: convolution, normalisation, activations, resampling,
// dropout, embedding, losses, and the fused optimizer updates (core/ops.h has the tensor ops
// they are built beside). Each family's forward and backward sit side by side in
// core/ops/<family>.cpp.
#pragma once

#include <cstdint>
#include <vector>

#include "core/random.h"
#include "core/tensor.h"
#include "kernels/backend.h"

namespace ganforge {

using kernels::AdamParams;
using kernels::ConvParams;
using kernels::Reduction;
using kernels::SgdParams;

// Symmetric stride / padding / dilation, as in PyTorch's Conv2d(k, stride, padding, dilation).
ConvParams conv_params(int64_t stride = 1, int64_t padding = 0, int64_t dilation = 1);

// The output extent of a convolution along one dim (< 1 when the kernel does not fit):
// (in + pad_before + pad_after - dilation·(kernel-1) - 1) / stride + 1.
int64_t conv2d_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad_before, int64_t pad_after,
                           int64_t dilation);
// The output extent of a transposed convolution along one dim:
// (in-1)·stride - pad_before - pad_after + dilation·(kernel-1) + output_padding + 1.
int64_t conv_transpose2d_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad_before, int64_t pad_after,
                                     int64_t dilation, int64_t output_padding);
// PyTorch's rule: output_padding is >= 0 and smaller than the stride or the dilation.
bool valid_output_padding(int64_t output_padding, int64_t stride, int64_t dilation);

// ------------------------------------------------------------------- convolution (ops/conv.cpp)
// x [N, Cin, H, W], w [Cout, Cin, kh, kw], bias [Cout] or undefined -> [N, Cout, Ho, Wo].
Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& bias = Tensor(), const ConvParams& p = {});
// x [N, Cin, H, W], w [Cin, Cout, kh, kw] (PyTorch's layout), bias [Cout] or undefined;
// the output size is conv_transpose2d_output_size's.
Tensor conv_transpose2d(const Tensor& x, const Tensor& w, const Tensor& bias = Tensor(), const ConvParams& p = {},
                        int64_t output_padding_h = 0, int64_t output_padding_w = 0);
// x [..., in] @ wᵀ + bias, with w [out, in] (PyTorch's layout).
Tensor linear(const Tensor& x, const Tensor& w, const Tensor& bias = Tensor());
// Rows of weight [num, dim] picked by i64 indices of any shape -> indices.shape + [dim].
Tensor embedding(const Tensor& indices, const Tensor& weight);

// ----------------------------------------------------------------- normalisation (ops/norm.cpp)
// x [N, C] or [N, C, H, W]. In training the batch statistics normalise x and, when given,
// running_mean / running_var are updated in place with momentum (running_var unbiased);
// in eval the running statistics are used. gamma / beta may be undefined (no affine).
// Training on one value per channel is an error, as in PyTorch.
Tensor batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                  const Tensor& running_var, bool training, double momentum = 0.1, double eps = 1e-5);
// relu(batch_norm(...)) and leaky_relu(batch_norm(...), negative_slope >= 0): the same values,
// but in training one primitive each way (batch_norm_act_*), one pass over memory fewer
// forward and back, and the normalised values are not kept for the backward.
Tensor batch_norm_relu(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                       const Tensor& running_var, bool training, double momentum = 0.1, double eps = 1e-5);
Tensor batch_norm_leaky_relu(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                             const Tensor& running_var, bool training, double momentum, double eps,
                             double negative_slope);
// Per-sample, per-channel normalisation of [N, C, H, W] (batch norm over N·C channels);
// no running statistics; gamma / beta [C] optional.
Tensor instance_norm(const Tensor& x, const Tensor& gamma = Tensor(), const Tensor& beta = Tensor(),
                     double eps = 1e-5);

// ----------------------------------------------------------------- activations (ops/activation.cpp)
Tensor relu(const Tensor& x);
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);
// x > 0 ? x : alpha·(eˣ - 1); alpha >= 0.
Tensor elu(const Tensor& x, double alpha = 1.0);
Tensor tanh(const Tensor& x);     // never NaN for large |x|
Tensor sigmoid(const Tensor& x);  // stable for large |x|
Tensor softmax(const Tensor& x, int dim);
Tensor log_softmax(const Tensor& x, int dim);

// ------------------------------------------------------------ resampling and dropout (ops/resample.cpp)
Tensor upsample_nearest2d(const Tensor& x, int64_t scale_h, int64_t scale_w);
Tensor zero_pad2d(const Tensor& x, int64_t top, int64_t bottom, int64_t left, int64_t right);
Tensor reflection_pad2d(const Tensor& x, int64_t top, int64_t bottom, int64_t left, int64_t right);
// Zeroes each element (dropout) or each whole channel of [N, C, H, W] (dropout2d) with
// probability p, scaling the survivors by 1/(1-p); the identity when not training.
Tensor dropout(const Tensor& x, double p, bool training, Generator* gen = nullptr);
Tensor dropout2d(const Tensor& x, double p, bool training, Generator* gen = nullptr);

// ---------------------------------------------------------------------- losses (ops/loss.cpp)
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
// On probabilities; the logs are clamped at -100 as in PyTorch, so 0 and 1 stay finite.
Tensor binary_cross_entropy(const Tensor& probabilities, const Tensor& target, Reduction reduction = Reduction::Mean);
// On logits, in the stable form max(z, 0) - z·t + log(1 + exp(-|z|)).
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target,
                                        Reduction reduction = Reduction::Mean);
// Logits [N, C], i64 class indices [N].
Tensor cross_entropy(const Tensor& logits, const Tensor& targets, Reduction reduction = Reduction::Mean);

// ------------------------------------------------------------- fused optimizer updates (ops/optim.cpp)
// In place, not recorded by autograd; all tensors contiguous, same shape and dtype.
void adam_step(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
               const AdamParams& p);
void sgd_step(const Tensor& param, const Tensor& grad, const Tensor& momentum_buffer, const SgdParams& p);
// The same update of many parameters in one primitive call (a few kernel launches on cuda);
// element i of each list belongs to params[i], with the checks of the single-tensor forms.
// All parameters live on one device. momentum_buffers may be empty when p.momentum is 0.
void adam_step(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
               const std::vector<Tensor>& exp_avgs, const std::vector<Tensor>& exp_avg_sqs, const AdamParams& p);
void sgd_step(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
              const std::vector<Tensor>& momentum_buffers, const SgdParams& p);

}  // namespace ganforge
