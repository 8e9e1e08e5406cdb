// Elementwise ops. Each public op is one line with its derivative beside it; the shared
// machinery (broadcasting, dtype promotion, recording) is in binary_op / unary_op below.
#include <cmath>
#include <stdexcept>

#include "core/dispatch.h"
#include "core/ops.h"

namespace ganforge {
namespace {

using kernels::BinaryOp;
using kernels::Reads;
using kernels::ScalarParams;
using kernels::UnaryOp;

// The saved operand when there is one, else a stand-in the backward does not read.
kernels::TensorDesc describe_or(const Tensor& t, const Tensor& stand_in) { return describe(t.defined() ? t : stand_in); }

Tensor binary_op(BinaryOp op, const Tensor& a_in, const Tensor& b_in) {
  const char* name = kernels::op_name(op);
  check_same_device(name, {a_in, b_in});
  DType dtype = promote(a_in.dtype(), b_in.dtype());
  if ((op == BinaryOp::Div || op == BinaryOp::Pow) && dtype == DType::I64) dtype = DType::F32;
  Tensor a = a_in.to(dtype), b = b_in.to(dtype);
  Shape shape = broadcast_shapes(a.shape(), b.shape(), name);
  Tensor out = empty(shape, TensorOptions{dtype, a.device(), false});
  backend_for(a.device()).binary(op, describe(out), describe_broadcast(a, shape), describe_broadcast(b, shape));
  if (kernels::is_comparison(op)) return out;
  // Backend::binary_backward writes both partials (times g) at the output's shape; each is
  // then summed over the dims its operand was broadcast along.
  record(name, {a, b}, out, {a, b}, [op, shape](const Tensor& g, const BackwardContext& ctx) -> std::vector<Tensor> {
    const Tensor &x = ctx[0], &y = ctx[1];
    Tensor ga = ctx.needs(0) ? empty(shape, TensorOptions{g.dtype(), g.device(), false}) : Tensor();
    Tensor gb = ctx.needs(1) ? empty(shape, TensorOptions{g.dtype(), g.device(), false}) : Tensor();
    backend_for(g.device()).binary_backward(op, describe_optional(ga), describe_optional(gb), describe(g),
                                            describe_broadcast(x, shape), describe_broadcast(y, shape));
    return {ga.defined() ? sum_to(ga, x.shape()) : Tensor(), gb.defined() ? sum_to(gb, y.shape()) : Tensor()};
  });
  return out;
}

// The backward keeps what kernels::backward_reads(op) names: the input x, the output y, or neither.
Tensor unary_op(UnaryOp op, const Tensor& x_in, ScalarParams p = {}) {
  const char* name = kernels::op_name(op);
  bool integer_ok = op == UnaryOp::Neg || op == UnaryOp::Abs ||
                    ((op == UnaryOp::Clamp || op == UnaryOp::AddScalar || op == UnaryOp::MulScalar) &&
                     std::trunc(p.a) == p.a && (op != UnaryOp::Clamp || std::trunc(p.b) == p.b));
  // integer tensors go to f32 where the result would not be an integer (exp, log, x * 0.5)
  Tensor x = (x_in.dtype() == DType::I64 && !integer_ok) ? x_in.to(DType::F32) : x_in;
  Tensor y = empty_like(x);
  backend_for(x.device()).unary(op, describe(y), describe(x), p);
  Tensor saved_x = kernels::backward_reads(op) == Reads::Input ? x : Tensor();
  Tensor saved_y = kernels::backward_reads(op) == Reads::Output ? y.detach() : Tensor();
  record(name, {x}, y, {saved_x, saved_y}, [op, p](const Tensor& g, const BackwardContext& ctx) -> std::vector<Tensor> {
    Tensor grad = empty(g.shape(), TensorOptions{g.dtype(), g.device(), false});
    backend_for(g.device()).unary_backward(op, describe(grad), describe(g), describe_or(ctx[0], g),
                                           describe_or(ctx[1], g), p);
    return {grad};
  });
  return y;
}

// A one-element tensor holding `value`, typed so that it does not promote `like`.
Tensor scalar_like(const Tensor& like, double value) {
  DType dtype = is_floating(like.dtype()) ? like.dtype() : (std::trunc(value) == value ? DType::I64 : DType::F32);
  return scalar_tensor(value, TensorOptions{dtype, like.device(), false});
}

}  // namespace

// d(a+b)/da = 1, d(a+b)/db = 1
Tensor add(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Add, a, b); }
// d(a-b)/da = 1, d(a-b)/db = -1
Tensor sub(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Sub, a, b); }
// d(ab)/da = b, d(ab)/db = a
Tensor mul(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Mul, a, b); }
// d(a/b)/da = 1/b, d(a/b)/db = -a/b²
Tensor div(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Div, a, b); }
// d(a^b)/da = b·a^(b-1), d(a^b)/db = a^b·ln a
Tensor pow(const Tensor& base, const Tensor& exponent) { return binary_op(BinaryOp::Pow, base, exponent); }
// d min(a,b)/da = [a < b] (+½ on ties), and symmetrically for b
Tensor minimum(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Minimum, a, b); }
// d max(a,b)/da = [a > b] (+½ on ties), and symmetrically for b
Tensor maximum(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Maximum, a, b); }

// d(x+c)/dx = 1
Tensor add(const Tensor& a, double b) { return unary_op(UnaryOp::AddScalar, a, {b, 0}); }
// d(cx)/dx = c
Tensor mul(const Tensor& a, double b) { return unary_op(UnaryOp::MulScalar, a, {b, 0}); }
// d(x^p)/dx = p·x^(p-1)
Tensor pow(const Tensor& base, double exponent) { return unary_op(UnaryOp::Pow, base, {exponent, 0}); }
// d(-x)/dx = -1
Tensor neg(const Tensor& x) { return unary_op(UnaryOp::Neg, x); }
// d e^x/dx = e^x = y
Tensor exp(const Tensor& x) { return unary_op(UnaryOp::Exp, x); }
// d ln x/dx = 1/x
Tensor log(const Tensor& x) { return unary_op(UnaryOp::Log, x); }
// d √x/dx = 1/(2√x) = 1/(2y)
Tensor sqrt(const Tensor& x) { return unary_op(UnaryOp::Sqrt, x); }
// d|x|/dx = sign(x) (0 at 0)
Tensor abs(const Tensor& x) { return unary_op(UnaryOp::Abs, x); }
// d clamp(x)/dx = [low <= x <= high]
Tensor clamp(const Tensor& x, double low, double high) {
  if (low > high) throw std::invalid_argument("clamp: low " + std::to_string(low) + " is above high " + std::to_string(high));
  return unary_op(UnaryOp::Clamp, x, {low, high});
}

Tensor eq(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Eq, a, b); }
Tensor ne(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Ne, a, b); }
Tensor lt(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Lt, a, b); }
Tensor le(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Le, a, b); }
Tensor gt(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Gt, a, b); }
Tensor ge(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Ge, a, b); }

// d where(c,a,b)/da = [c], d/db = [not c]
Tensor where(const Tensor& cond, const Tensor& a_in, const Tensor& b_in) {
  check_same_device("where", {cond, a_in, b_in});
  DType dtype = promote(a_in.dtype(), b_in.dtype());
  Tensor a = a_in.to(dtype), b = b_in.to(dtype);
  Shape shape = broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), "where"), b.shape(), "where");
  Tensor out = empty(shape, TensorOptions{dtype, a.device(), false});
  backend_for(a.device()).where(describe(out), describe_broadcast(cond, shape), describe_broadcast(a, shape),
                                describe_broadcast(b, shape));
  Tensor condition = cond.detach();
  Shape a_shape = a.shape(), b_shape = b.shape();
  record("where", {a, b}, out, {condition}, [=](const Tensor& g, const BackwardContext& ctx) -> std::vector<Tensor> {
    Tensor zero = zeros({}, TensorOptions{g.dtype(), g.device(), false});
    Tensor ga = ctx.needs(0) ? sum_to(where(ctx[0], g, zero), a_shape) : Tensor();
    Tensor gb = ctx.needs(1) ? sum_to(where(ctx[0], zero, g), b_shape) : Tensor();
    return {ga, gb};
  });
  return out;
}

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator-(const Tensor& x) { return neg(x); }
Tensor operator+(const Tensor& a, double b) { return add(a, b); }
Tensor operator+(double a, const Tensor& b) { return add(b, a); }
Tensor operator-(const Tensor& a, double b) { return add(a, -b); }
Tensor operator-(double a, const Tensor& b) { return add(neg(b), a); }
Tensor operator*(const Tensor& a, double b) { return mul(a, b); }
Tensor operator*(double a, const Tensor& b) { return mul(b, a); }
Tensor operator/(const Tensor& a, double b) { return div(a, scalar_like(a, b)); }
Tensor operator/(double a, const Tensor& b) { return div(scalar_like(b, a), b); }

}  // namespace ganforge
