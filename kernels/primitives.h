// The one list of primitives, and of the ops each op-taking primitive accepts. Everything that
// must agree with these lists is generated from them (X-macros):
//  - Backend's virtual functions and their default bodies, which throw UnsupportedPrimitive
//    (kernels/backend.h, backend.cpp);
//  - the override declarations of every backend (GANFORGE_DECLARE_OVERRIDE);
//  - the profiling decorator, which forwards every call by its argument names
//    (kernels/profiling_backend.h);
//  - the enums, their names and counts (op_name, OpList), and visit_op, which turns a run-time
//    op into a compile-time constant so a backend writes one loop for all ops;
//  - the names of each primitive and op (kernels/primitive_names.h): the rows of a profile,
//    and the consistency test's coverage check, where every primitive x every op of its list
//    needs a case (tests/kernels/test_backend_consistency.cpp).
// Adding an op is one line in its list plus its formula (kernels/common/*_formulas.h) and a
// case; adding a primitive is one line in GANFORGE_PRIMITIVES plus its implementations.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>

namespace ganforge::kernels {

// ---- op lists: X(Enumerator, name, ...) ----------------------------------------------------

// Elementwise maps of one tensor. `reads`: what its derivative is written in (Input x, Output
// y = op(x), or Nothing), so the caller keeps only that for the backward.
#define GANFORGE_UNARY_OPS(X)  \
  X(Neg, neg, Nothing)         \
  X(Exp, exp, Output)          \
  X(Log, log, Input)           \
  X(Sqrt, sqrt, Output)        \
  X(Abs, abs, Input)           \
  X(Pow, pow, Input)     /* x ^ p.a */                 \
  X(Clamp, clamp, Input) /* min(max(x, p.a), p.b) */   \
  X(AddScalar, add_scalar, Nothing) /* x + p.a */      \
  X(MulScalar, mul_scalar, Nothing) /* x * p.a */

// Elementwise maps of two tensors. Comparisons give 1 where true and 0 where false, in the
// output's dtype; their derivatives are 0.
#define GANFORGE_BINARY_OPS(X) \
  X(Add, add)                  \
  X(Sub, sub)                  \
  X(Mul, mul)                  \
  X(Div, div)                  \
  X(Pow, pow)                  \
  X(Minimum, minimum)          \
  X(Maximum, maximum)          \
  X(Eq, eq)                    \
  X(Ne, ne)                    \
  X(Lt, lt)                    \
  X(Le, le)                    \
  X(Gt, gt)                    \
  X(Ge, ge)

#define GANFORGE_REDUCE_OPS(X)                                   \
  X(Sum, sum)                                                    \
  X(Mean, mean)                                                  \
  X(Max, max)                                                    \
  X(Min, min)                                                    \
  X(ArgMax, argmax) /* out is I64: index along the reduced dim */ \
  X(ArgMin, argmin)                                              \
  X(Var, var) /* Σ(x - mean)² / (n - correction) */

// `reads` as for the unary ops.
#define GANFORGE_ACTIVATION_OPS(X)  \
  X(Relu, relu, Input)              \
  X(LeakyRelu, leaky_relu, Input)   \
  X(Elu, elu, Output)               \
  X(Tanh, tanh, Output)             \
  X(Sigmoid, sigmoid, Output)

#define GANFORGE_SOFTMAX_OPS(X) \
  X(Softmax, softmax)           \
  X(LogSoftmax, log_softmax)

#define GANFORGE_PAD_MODES(X) \
  X(Zero, zero)               \
  X(Reflect, reflect)

// Fused losses. Cross-entropy takes logits [N, C] and i64 class indices [N].
#define GANFORGE_LOSS_OPS(X)              \
  X(Mse, mse)                             \
  X(L1, l1)                               \
  X(Bce, bce)                             \
  X(BceWithLogits, bce_with_logits)       \
  X(CrossEntropy, cross_entropy)

#define GANFORGE_ENUMERATOR(value, ...) value,
enum class UnaryOp : uint8_t { GANFORGE_UNARY_OPS(GANFORGE_ENUMERATOR) };
enum class BinaryOp : uint8_t { GANFORGE_BINARY_OPS(GANFORGE_ENUMERATOR) };
enum class ReduceOp : uint8_t { GANFORGE_REDUCE_OPS(GANFORGE_ENUMERATOR) };
enum class ActivationOp : uint8_t { GANFORGE_ACTIVATION_OPS(GANFORGE_ENUMERATOR) };
enum class SoftmaxOp : uint8_t { GANFORGE_SOFTMAX_OPS(GANFORGE_ENUMERATOR) };
enum class PadMode : uint8_t { GANFORGE_PAD_MODES(GANFORGE_ENUMERATOR) };
enum class LossOp : uint8_t { GANFORGE_LOSS_OPS(GANFORGE_ENUMERATOR) };
#undef GANFORGE_ENUMERATOR

enum class Reads : uint8_t { Nothing, Input, Output };

// OpList<Op>::values and ::names, in declaration order.
template <class Op>
struct OpList;

#define GANFORGE_QUALIFIED(value, ...) Op::value,
#define GANFORGE_NAME(value, name, ...) #name,
#define GANFORGE_OP_LIST(Type, LIST)                                 \
  template <>                                                        \
  struct OpList<Type> {                                              \
    using Op = Type;                                                 \
    static constexpr Op values[] = {LIST(GANFORGE_QUALIFIED)};       \
    static constexpr const char* names[] = {LIST(GANFORGE_NAME)};    \
  };
GANFORGE_OP_LIST(UnaryOp, GANFORGE_UNARY_OPS)
GANFORGE_OP_LIST(BinaryOp, GANFORGE_BINARY_OPS)
GANFORGE_OP_LIST(ReduceOp, GANFORGE_REDUCE_OPS)
GANFORGE_OP_LIST(ActivationOp, GANFORGE_ACTIVATION_OPS)
GANFORGE_OP_LIST(SoftmaxOp, GANFORGE_SOFTMAX_OPS)
GANFORGE_OP_LIST(PadMode, GANFORGE_PAD_MODES)
GANFORGE_OP_LIST(LossOp, GANFORGE_LOSS_OPS)
#undef GANFORGE_OP_LIST
#undef GANFORGE_NAME
#undef GANFORGE_QUALIFIED

template <class Op>
constexpr size_t op_count = std::size(OpList<Op>::values);

template <class Op>
constexpr const char* op_name(Op op) {
  return OpList<Op>::names[static_cast<size_t>(op)];
}

constexpr bool is_comparison(BinaryOp op) { return op >= BinaryOp::Eq; }

#define GANFORGE_READS(value, name, reads) Reads::reads,
constexpr Reads backward_reads(UnaryOp op) {
  constexpr Reads reads[] = {GANFORGE_UNARY_OPS(GANFORGE_READS)};
  return reads[static_cast<size_t>(op)];
}
constexpr Reads backward_reads(ActivationOp op) {
  constexpr Reads reads[] = {GANFORGE_ACTIVATION_OPS(GANFORGE_READS)};
  return reads[static_cast<size_t>(op)];
}
#undef GANFORGE_READS

// Calls f.template operator()<op>() (f is a lambda `[&]<UnaryOp o>() { ... }`): code inside f
// sees the op as a constant, so a formula's switch on it folds away and the loop around it
// vectorises.
template <class Op, class F, size_t... I>
void visit_op_in(Op op, F& f, std::index_sequence<I...>) {
  (void)((op == OpList<Op>::values[I] ? (f.template operator()<OpList<Op>::values[I]>(), true) : false) || ...);
}
template <class Op, class F>
void visit_op(Op op, F&& f) {
  visit_op_in(op, f, std::make_index_sequence<op_count<Op>>{});
}

// ---- the primitives: X(name, ops, (parameters), (arguments)) ---------------------------------
// `ops` is the op enum whose every value the primitive accepts (each needs a consistency case),
// or NoOps; a primitive that takes ops has the op as its first parameter. `arguments` names the
// parameters in order (the preprocessor cannot pick the names out of the parameter list), so
// that a decorator can forward a call. Shape conventions are at the top of kernels/backend.h.
struct NoOps {};

#define GANFORGE_PRIMITIVES(X)                                                                                         \
  /* out = in, element by element, converting dtype; both have the same shape. */                                    \
  X(copy, NoOps, (const TensorDesc& out, const TensorDesc& in), (out, in))                                            \
  X(fill, NoOps, (const TensorDesc& out, double value), (out, value))                                                 \
  /* Philox fills (kernels/philox.h); random_int is uniform in [low, high). */                                        \
  X(random_uniform, NoOps, (const TensorDesc& out, PhiloxState rng, double low, double high), (out, rng, low, high))  \
  X(random_normal, NoOps, (const TensorDesc& out, PhiloxState rng, double mean, double stddev),                       \
    (out, rng, mean, stddev))                                                                                         \
  X(random_int, NoOps, (const TensorDesc& out, PhiloxState rng, int64_t low, int64_t high), (out, rng, low, high))    \
  X(unary, UnaryOp, (UnaryOp op, const TensorDesc& out, const TensorDesc& in, ScalarParams p), (op, out, in, p))      \
  /* grad_in = grad_out · d op(x)/dx, given what backward_reads(op) names: x or y = op(x). */                         \
  X(unary_backward, UnaryOp,                                                                                          \
    (UnaryOp op, const TensorDesc& grad_in, const TensorDesc& grad_out, const TensorDesc& x, const TensorDesc& y,     \
     ScalarParams p), (op, grad_in, grad_out, x, y, p))                                                               \
  X(binary, BinaryOp, (BinaryOp op, const TensorDesc& out, const TensorDesc& a, const TensorDesc& b),                 \
    (op, out, a, b))                                                                                                  \
  /* Both partial derivatives times grad_out, at the output's shape (the caller sums over */                          \
  /* broadcast dims); an absent grad is not written. */                                                               \
  X(binary_backward, BinaryOp,                                                                                        \
    (BinaryOp op, const TensorDesc& grad_a, const TensorDesc& grad_b, const TensorDesc& grad_out,                     \
     const TensorDesc& a, const TensorDesc& b), (op, grad_a, grad_b, grad_out, a, b))                                 \
  /* out = cond != 0 ? a : b */                                                                                       \
  X(where, NoOps, (const TensorDesc& out, const TensorDesc& cond, const TensorDesc& a, const TensorDesc& b),          \
    (out, cond, a, b))                                                                                                \
  X(reduce, ReduceOp, (ReduceOp op, const TensorDesc& out, const TensorDesc& in, ReduceParams p), (op, out, in, p))   \
  X(gemm, NoOps, (const GemmDesc& g), (g))                                                                            \
  /* out.select(dim, i) = in.select(dim, index[i]); index is a 1-D I64 tensor of valid indices. */                    \
  X(index_select, NoOps, (const TensorDesc& out, const TensorDesc& in, int dim, const TensorDesc& index),             \
    (out, in, dim, index))                                                                                            \
  /* out.select(dim, index[i]) += src.select(dim, i); repeated indices accumulate. */                                 \
  X(index_add, NoOps, (const TensorDesc& out, int dim, const TensorDesc& index, const TensorDesc& src),               \
    (out, dim, index, src))                                                                                           \
  /* Convolution (CUTLASS's names), x [N, Cin, H, W], w [Cout, Cin, kh, kw], y [N, Cout, Ho, Wo]: */                  \
  /* fprop  y = conv(x, w) + bias; */                                                                                 \
  /* dgrad  dx = conv's adjoint applied to dy, + bias (present for a transposed convolution); */                      \
  /* wgrad  dw = correlation of x with dy, dbias = Σ dy over N, H, W. */                                              \
  X(conv2d_fprop, NoOps,                                                                                              \
    (const ConvParams& p, const TensorDesc& x, const TensorDesc& w, const TensorDesc& bias, const TensorDesc& y),     \
    (p, x, w, bias, y))                                                                                               \
  X(conv2d_dgrad, NoOps,                                                                                              \
    (const ConvParams& p, const TensorDesc& dy, const TensorDesc& w, const TensorDesc& bias, const TensorDesc& dx),   \
    (p, dy, w, bias, dx))                                                                                             \
  X(conv2d_wgrad, NoOps,                                                                                              \
    (const ConvParams& p, const TensorDesc& x, const TensorDesc& dy, const TensorDesc& dw, const TensorDesc& dbias),  \
    (p, x, dy, dw, dbias))                                                                                            \
  /* Batch norm over x [N, C, S] (S = H·W, or 1). Training normalises with the batch statistics, */                   \
  /* writes save_mean / save_invstd [C] and, when present, updates the running buffers with */                        \
  /* momentum (running_var unbiased, as PyTorch). The backward computes the present gradients. */                     \
  X(batch_norm_forward_train, NoOps,                                                                                  \
    (const TensorDesc& x, const TensorDesc& gamma, const TensorDesc& beta, const TensorDesc& running_mean,            \
     const TensorDesc& running_var, double momentum, double eps, const TensorDesc& y, const TensorDesc& save_mean,    \
     const TensorDesc& save_invstd),                                                                                  \
    (x, gamma, beta, running_mean, running_var, momentum, eps, y, save_mean, save_invstd))                            \
  X(batch_norm_forward_eval, NoOps,                                                                                   \
    (const TensorDesc& x, const TensorDesc& gamma, const TensorDesc& beta, const TensorDesc& running_mean,            \
     const TensorDesc& running_var, double eps, const TensorDesc& y),                                                 \
    (x, gamma, beta, running_mean, running_var, eps, y))                                                              \
  X(batch_norm_backward, NoOps,                                                                                       \
    (const TensorDesc& dy, const TensorDesc& x, const TensorDesc& gamma, const TensorDesc& save_mean,                 \
     const TensorDesc& save_invstd, const TensorDesc& dx, const TensorDesc& dgamma, const TensorDesc& dbeta),         \
    (dy, x, gamma, save_mean, save_invstd, dx, dgamma, dbeta))                                                        \
  /* y = act(x); `alpha` is the activation's parameter (LeakyReLU's negative slope, ELU's α). */                   \
  X(activation_forward, ActivationOp, (ActivationOp op, const TensorDesc& y, const TensorDesc& x, double alpha),      \
    (op, y, x, alpha))                                                                                                \
  /* dx = dy · act'(x), written in x or y as backward_reads(op) says. */                                              \
  X(activation_backward, ActivationOp,                                                                                \
    (ActivationOp op, const TensorDesc& dx, const TensorDesc& dy, const TensorDesc& x, const TensorDesc& y,           \
     double alpha), (op, dx, dy, x, y, alpha))                                                                        \
  /* Along `dim`, stable (the maximum is subtracted first). */                                                        \
  X(softmax_forward, SoftmaxOp, (SoftmaxOp op, const TensorDesc& y, const TensorDesc& x, int dim), (op, y, x, dim))   \
  X(softmax_backward, SoftmaxOp,                                                                                      \
    (SoftmaxOp op, const TensorDesc& dx, const TensorDesc& dy, const TensorDesc& y, int dim), (op, dx, dy, y, dim))   \
  /* Nearest-neighbour upsampling of [N, C, H, W] by the integer factors y.H / x.H, y.W / x.W. */                     \
  X(upsample_nearest2d_forward, NoOps, (const TensorDesc& y, const TensorDesc& x), (y, x))                            \
  X(upsample_nearest2d_backward, NoOps, (const TensorDesc& dx, const TensorDesc& dy), (dx, dy))                       \
  /* Pads the last two dims: pads = {top, bottom, left, right}. */                                                    \
  X(pad2d_forward, PadMode, (PadMode mode, const TensorDesc& y, const TensorDesc& x, const int64_t pads[4]),          \
    (mode, y, x, pads))                                                                                               \
  X(pad2d_backward, PadMode, (PadMode mode, const TensorDesc& dx, const TensorDesc& dy, const int64_t pads[4]),       \
    (mode, dx, dy, pads))                                                                                             \
  /* loss (0-d, in the input's dtype) = reduce(l(input, target)); the backward gives */                               \
  /* grad_input = grad_loss · d loss / d input for the upstream scalar grad_loss. */                                  \
  X(loss_forward, LossOp,                                                                                             \
    (LossOp op, Reduction reduction, const TensorDesc& loss, const TensorDesc& input, const TensorDesc& target),      \
    (op, reduction, loss, input, target))                                                                             \
  X(loss_backward, LossOp,                                                                                            \
    (LossOp op, Reduction reduction, double grad_loss, const TensorDesc& grad_input, const TensorDesc& input,         \
     const TensorDesc& target), (op, reduction, grad_loss, grad_input, input, target))                                \
  /* One optimizer update of a contiguous parameter, in place (PyTorch semantics). */                                 \
  X(adam_step, NoOps,                                                                                                 \
    (const AdamParams& p, const TensorDesc& param, const TensorDesc& grad, const TensorDesc& exp_avg,                 \
     const TensorDesc& exp_avg_sq), (p, param, grad, exp_avg, exp_avg_sq))                                            \
  X(sgd_step, NoOps,                                                                                                  \
    (const SgdParams& p, const TensorDesc& param, const TensorDesc& grad, const TensorDesc& momentum_buffer),         \
    (p, param, grad, momentum_buffer))

// Primitives whose default body composes other primitives (Backend's loops over adam_step /
// sgd_step); a backend overrides one to do better (cuda: a few launches for a whole model).
#define GANFORGE_COMPOSED_PRIMITIVES(X)                                                        \
  X(adam_step_multi, NoOps, (const AdamParams& p, std::span<const AdamTensors> tensors),      \
    (p, tensors))                                                                             \
  X(sgd_step_multi, NoOps, (const SgdParams& p, std::span<const SgdTensors> tensors),         \
    (p, tensors))

// A layer fused with the activation that follows it, one pass over memory instead of two (the
// activation's op and parameter come first, as in activation_forward). The default body runs
// the two primitives through a buffer; the cpu backend fuses them (kernels/cpu/norm.cpp).
// The backward reads y = act(bn(x)), not bn(x): it holds for ReLU, LeakyReLU with a slope
// >= 0 (y > 0 exactly when its input is), ELU, Tanh and Sigmoid, whose derivatives are written
// in y or in the sign of y.
#define GANFORGE_FUSED_PRIMITIVES(X)                                                                                  \
  /* y = act(batch_norm_forward_train(x)), with the same statistics written. */                                       \
  X(batch_norm_act_forward_train, NoOps,                                                                              \
    (ActivationOp op, double alpha, const TensorDesc& x, const TensorDesc& gamma, const TensorDesc& beta,             \
     const TensorDesc& running_mean, const TensorDesc& running_var, double momentum, double eps, const TensorDesc& y, \
     const TensorDesc& save_mean, const TensorDesc& save_invstd),                                                     \
    (op, alpha, x, gamma, beta, running_mean, running_var, momentum, eps, y, save_mean, save_invstd))                 \
  /* batch_norm_backward of dy·act' from dy and that y. */                                                            \
  X(batch_norm_act_backward, NoOps,                                                                                   \
    (ActivationOp op, double alpha, const TensorDesc& dy, const TensorDesc& y, const TensorDesc& x,                   \
     const TensorDesc& gamma, const TensorDesc& save_mean, const TensorDesc& save_invstd, const TensorDesc& dx,       \
     const TensorDesc& dgamma, const TensorDesc& dbeta),                                                              \
    (op, alpha, dy, y, x, gamma, save_mean, save_invstd, dx, dgamma, dbeta))

// Inside a backend class: `GANFORGE_PRIMITIVES(GANFORGE_DECLARE_OVERRIDE)` declares them all,
// so a backend that lacks a definition does not link.
#define GANFORGE_DECLARE_OVERRIDE(primitive, ops, parameters, arguments) void primitive parameters override;

}  // namespace ganforge::kernels
