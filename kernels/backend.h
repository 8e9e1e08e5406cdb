// The primitive interface: every kernel GANForge runs is one virtual function of Backend.
//
// Primitives see plain descriptors (pointer, dtype, shape, strides in elements), never
// tensors or autograd. Each backend (reference, cpu, cuda, cuda-sim, cudnn, onednn) is one
// subclass; the consistency test walks every primitive of every compiled-in backend and
// compares it to `reference`.
//
// Shape conventions shared by all primitives:
//  - elementwise: every operand has the output's shape; broadcasting is expressed by the
//    caller as stride 0, so kernels never reason about it;
//  - reductions: `out` has the input's rank with size 1 on each reduced dim (keepdim form);
//  - outputs may be strided views (e.g. a slice of a larger buffer) but never overlap inputs
//    unless the primitive says so.
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/dtype.h"

namespace ganforge::kernels {

constexpr int kMaxDims = 8;

struct TensorDesc {
  void* data = nullptr;  // address of the first element (storage offset already applied)
  DType dtype = DType::F32;
  int ndim = 0;
  int64_t shape[kMaxDims] = {};
  int64_t strides[kMaxDims] = {};  // in elements; 0 means broadcast along that dim

  int64_t numel() const;
  bool is_contiguous() const;  // row-major with no gaps
};

enum class UnaryOp : uint8_t {
  Neg, Exp, Log, Sqrt, Abs,
  Pow,        // x ^ p.a
  Clamp,      // min(max(x, p.a), p.b)
  AddScalar,  // x + p.a
  MulScalar,  // x * p.a
};
const char* unary_op_name(UnaryOp op);

struct ScalarParams {
  double a = 0, b = 0;
};

enum class BinaryOp : uint8_t {
  Add, Sub, Mul, Div, Pow, Minimum, Maximum,
  Eq, Ne, Lt, Le, Gt, Ge,  // comparisons: 1 where true, 0 where false, in the output dtype
};
const char* binary_op_name(BinaryOp op);
constexpr bool is_comparison(BinaryOp op) { return op >= BinaryOp::Eq; }

enum class ReduceOp : uint8_t {
  Sum, Mean, Max, Min,
  ArgMax, ArgMin,  // out is I64: index along the single reduced dim
  Var,             // sum((x - mean)^2) / (n - correction)
};
const char* reduce_op_name(ReduceOp op);

struct ReduceParams {
  int64_t correction = 1;  // Var only: 1 = unbiased (Bessel), 0 = population
};

// One matrix of a batched GEMM: element (b, i, j) is at data + b*batch + i*row + j*col.
struct MatrixDesc {
  void* data = nullptr;
  int64_t batch_stride = 0, row_stride = 0, col_stride = 0;
};

// C[b] = alpha * A[b] (m x k) @ B[b] (k x n) + beta * C[b] (m x n), for b < batch.
// beta == 0 means C is written without being read (it may hold NaN).
struct GemmDesc {
  DType dtype = DType::F32;
  int64_t batch = 1, m = 0, n = 0, k = 0;
  MatrixDesc a, b, c;
  double alpha = 1, beta = 0;
};

// Counter-based randomness: element i of the output (row-major order) is a pure function
// of (seed, offset, i), so every backend produces the same numbers. See kernels/philox.h.
struct PhiloxState {
  uint64_t seed = 0;
  uint64_t offset = 0;  // first Philox counter used by this call
};

// Geometry of a 2-D convolution over NCHW tensors (groups = 1). Padding may differ per
// side; the output size is the one of the output descriptor, which for a transposed
// convolution also carries output_padding.
struct ConvParams {
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  int64_t dilation_h = 1, dilation_w = 1;
};

enum class ActivationOp : uint8_t { Relu, LeakyRelu, Tanh, Sigmoid };
const char* activation_op_name(ActivationOp op);

enum class PadMode : uint8_t { Zero, Reflect };

// Fused losses. Cross-entropy takes logits [N, C] and i64 class indices [N].
enum class LossOp : uint8_t { Mse, L1, Bce, BceWithLogits, CrossEntropy };
const char* loss_op_name(LossOp op);
enum class Reduction : uint8_t { Mean, Sum };

struct AdamParams {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0;
  int64_t step = 1;  // 1 on the first update (bias correction uses it)
};
struct SgdParams {
  double lr = 1e-2, momentum = 0, dampening = 0, weight_decay = 0;
  bool nesterov = false;
  bool first_step = true;  // the momentum buffer starts as the first gradient
};
// One parameter of a multi-tensor optimizer step, with its gradient and state (as adam_step /
// sgd_step take them). Parameters of one step may differ in size and dtype.
struct AdamTensors {
  TensorDesc param, grad, exp_avg, exp_avg_sq;
};
struct SgdTensors {
  TensorDesc param, grad, momentum_buffer;
};

// Thrown by a primitive that a backend does not provide. `reference`, `cpu`, `cuda` and
// `cuda-sim` provide every primitive (the consistency test fails otherwise); it lists each
// other backend x primitive pair that throws this.
struct UnsupportedPrimitive : std::runtime_error {
  UnsupportedPrimitive(const std::string& backend, const std::string& primitive)
      : std::runtime_error("backend '" + backend + "' does not provide the primitive " + primitive) {}
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual const char* name() const = 0;
  virtual DeviceType device_type() const = 0;
  // False when the backend is compiled in but cannot run here (e.g. cuda with no GPU).
  virtual bool available() const { return true; }

  // Memory. Host copies are blocking.
  virtual void* allocate(size_t bytes) = 0;
  virtual void deallocate(void* ptr) = 0;
  virtual void copy_from_host(void* dst, const void* src, size_t bytes) = 0;
  virtual void copy_to_host(void* dst, const void* src, size_t bytes) = 0;
  virtual void synchronize() {}

  // out = in, element by element, converting dtype; both have the same shape.
  virtual void copy(const TensorDesc& out, const TensorDesc& in) = 0;
  virtual void fill(const TensorDesc& out, double value) = 0;

  virtual void random_uniform(const TensorDesc& out, PhiloxState rng, double low, double high) = 0;
  virtual void random_normal(const TensorDesc& out, PhiloxState rng, double mean, double stddev) = 0;
  // Integers uniform in [low, high).
  virtual void random_int(const TensorDesc& out, PhiloxState rng, int64_t low, int64_t high) = 0;

  virtual void unary(UnaryOp op, const TensorDesc& out, const TensorDesc& in, ScalarParams p) = 0;
  // grad_in = grad_out * d op(x)/dx, given the forward input x and output y.
  virtual void unary_backward(UnaryOp op, const TensorDesc& grad_in, const TensorDesc& grad_out,
                              const TensorDesc& x, const TensorDesc& y, ScalarParams p) = 0;
  virtual void binary(BinaryOp op, const TensorDesc& out, const TensorDesc& a, const TensorDesc& b) = 0;
  // Both partial derivatives at the output's shape (the caller sums over broadcast dims).
  // A grad whose data is null is not wanted and not written.
  virtual void binary_backward(BinaryOp op, const TensorDesc& grad_a, const TensorDesc& grad_b,
                               const TensorDesc& grad_out, const TensorDesc& a,
                               const TensorDesc& b) = 0;
  // out = cond != 0 ? a : b
  virtual void where(const TensorDesc& out, const TensorDesc& cond, const TensorDesc& a,
                     const TensorDesc& b) = 0;

  virtual void reduce(ReduceOp op, const TensorDesc& out, const TensorDesc& in, ReduceParams p) = 0;

  virtual void gemm(const GemmDesc& g) = 0;

  // out.select(dim, i) = in.select(dim, index[i]); index is a 1-D I64 tensor of valid indices.
  virtual void index_select(const TensorDesc& out, const TensorDesc& in, int dim,
                            const TensorDesc& index) = 0;
  // out.select(dim, index[i]) += src.select(dim, i); repeated indices accumulate.
  virtual void index_add(const TensorDesc& out, int dim, const TensorDesc& index,
                         const TensorDesc& src) = 0;

  // ---- GAN layers. Tensors are contiguous NCHW; a bias or gradient whose data is null is
  // absent / not wanted. Every output is overwritten, never accumulated into.
  // The defaults throw UnsupportedPrimitive, so a backend can grow primitive by primitive.

  // y = conv(x, w) + bias: x [N, Cin, H, W], w [Cout, Cin, kh, kw], bias [Cout], y [N, Cout, Ho, Wo].
  virtual void conv2d_forward(const ConvParams& p, const TensorDesc& x, const TensorDesc& w,
                              const TensorDesc& bias, const TensorDesc& y);
  // dx = d conv / dx given dy (the transposed convolution of dy with w).
  virtual void conv2d_backward_data(const ConvParams& p, const TensorDesc& dy, const TensorDesc& w,
                                    const TensorDesc& dx);
  // dw = d conv / dw given x and dy; dbias = sum of dy over N, H, W.
  virtual void conv2d_backward_filter(const ConvParams& p, const TensorDesc& x, const TensorDesc& dy,
                                      const TensorDesc& dw, const TensorDesc& dbias);
  // Transposed convolution (PyTorch's ConvTranspose2d): x [N, Cin, H, W], w [Cin, Cout, kh, kw],
  // y [N, Cout, Ho, Wo]; it is conv2d's backward-data with the roles swapped, plus a bias.
  virtual void conv_transpose2d_forward(const ConvParams& p, const TensorDesc& x, const TensorDesc& w,
                                        const TensorDesc& bias, const TensorDesc& y);
  virtual void conv_transpose2d_backward_data(const ConvParams& p, const TensorDesc& dy, const TensorDesc& w,
                                              const TensorDesc& dx);
  virtual void conv_transpose2d_backward_filter(const ConvParams& p, const TensorDesc& x, const TensorDesc& dy,
                                                const TensorDesc& dw, const TensorDesc& dbias);

  // Batch norm over x [N, C, S] (S = H*W, or 1 for batch_norm_1d). Training: normalise with
  // the batch statistics, write save_mean / save_invstd [C] for the backward, and when the
  // running buffers are present update them with momentum (running_var unbiased, as PyTorch).
  virtual void batch_norm_forward_train(const TensorDesc& x, const TensorDesc& gamma, const TensorDesc& beta,
                                        const TensorDesc& running_mean, const TensorDesc& running_var,
                                        double momentum, double eps, const TensorDesc& y,
                                        const TensorDesc& save_mean, const TensorDesc& save_invstd);
  virtual void batch_norm_forward_eval(const TensorDesc& x, const TensorDesc& gamma, const TensorDesc& beta,
                                       const TensorDesc& running_mean, const TensorDesc& running_var, double eps,
                                       const TensorDesc& y);
  // All three gradients in one pass over dy and x; a null output is not computed.
  virtual void batch_norm_backward(const TensorDesc& dy, const TensorDesc& x, const TensorDesc& gamma,
                                   const TensorDesc& save_mean, const TensorDesc& save_invstd,
                                   const TensorDesc& dx, const TensorDesc& dgamma, const TensorDesc& dbeta);

  // y = act(x); slope is LeakyReLU's negative slope.
  virtual void activation_forward(ActivationOp op, const TensorDesc& y, const TensorDesc& x, double slope);
  // dx = dy * act'(x), with act' written through x (relu, leaky) or y (tanh, sigmoid).
  virtual void activation_backward(ActivationOp op, const TensorDesc& dx, const TensorDesc& dy,
                                   const TensorDesc& x, const TensorDesc& y, double slope);
  // Softmax (or log-softmax) along `dim`, stable (the maximum is subtracted first).
  virtual void softmax_forward(const TensorDesc& y, const TensorDesc& x, int dim, bool log);
  virtual void softmax_backward(const TensorDesc& dx, const TensorDesc& dy, const TensorDesc& y, int dim, bool log);

  // Nearest-neighbour upsampling of [N, C, H, W] by the integer factors y.H / x.H, y.W / x.W.
  virtual void upsample_nearest2d_forward(const TensorDesc& y, const TensorDesc& x);
  virtual void upsample_nearest2d_backward(const TensorDesc& dx, const TensorDesc& dy);
  // Pads the last two dims: pads = {top, bottom, left, right}.
  virtual void pad2d_forward(PadMode mode, const TensorDesc& y, const TensorDesc& x, const int64_t pads[4]);
  virtual void pad2d_backward(PadMode mode, const TensorDesc& dx, const TensorDesc& dy, const int64_t pads[4]);

  // loss (0-d, in the input's dtype) = reduce(l(input, target)).
  virtual void loss_forward(LossOp op, Reduction reduction, const TensorDesc& loss, const TensorDesc& input,
                            const TensorDesc& target);
  // grad_input = grad_loss * d loss / d input (grad_loss is the upstream scalar).
  virtual void loss_backward(LossOp op, Reduction reduction, double grad_loss, const TensorDesc& grad_input,
                             const TensorDesc& input, const TensorDesc& target);

  // One optimizer update of a contiguous parameter, in place (PyTorch semantics).
  virtual void adam_step(const AdamParams& p, const TensorDesc& param, const TensorDesc& grad,
                         const TensorDesc& exp_avg, const TensorDesc& exp_avg_sq);
  virtual void sgd_step(const SgdParams& p, const TensorDesc& param, const TensorDesc& grad,
                        const TensorDesc& momentum_buffer);
  // The same update of every parameter of a model in one call, so that a GPU backend can do it
  // in a few launches (cuda: chunks of all tensors per launch). The defaults loop over
  // adam_step / sgd_step.
  virtual void adam_step_multi(const AdamParams& p, std::span<const AdamTensors> tensors);
  virtual void sgd_step_multi(const SgdParams& p, std::span<const SgdTensors> tensors);
};

// Every backend compiled into this binary, `reference` first.
const std::vector<Backend*>& all_backends();
// The backend with this name, or an exception listing the names compiled in.
Backend& find_backend(const std::string& name);
Backend& reference_backend();

}  // namespace ganforge::kernels
