// Consistency cases of the core primitives: memory, random fills, elementwise, where,
// reductions, GEMM and row gathers, on awkward shapes and layouts.
#include <algorithm>

#include "tests/kernels/cases.h"

namespace ganforge::testing {

using kernels::BinaryOp;
using kernels::ReduceOp;
using kernels::UnaryOp;

namespace {

struct Variant {
  Shape shape;
  Layout layout;
};

// Shapes for elementwise primitives; the last one is big enough for the threaded path.
const std::vector<Variant> kElementwise = {
    {{}, Layout::Contiguous},           {{1}, Layout::Contiguous},       {{7}, Layout::Contiguous},
    {{3, 5}, Layout::Transposed},       {{2, 1, 3}, Layout::Strided},    {{1, 1, 1, 1, 5}, Layout::Contiguous},
    {{0, 3}, Layout::Contiguous},       {{4, 33, 17}, Layout::Transposed}, {{1 << 17}, Layout::Contiguous},
};

// Inputs of a layout that stays valid for that operand: broadcast is used for inputs only.
Layout input_layout(Layout l, int which) {
  if (l == Layout::Transposed) return which == 0 ? Layout::Transposed : Layout::Strided;
  return which == 0 ? l : Layout::Broadcast;
}

std::vector<Case> elementwise_cases() {
  std::vector<Case> cases;
  for (UnaryOp op : kernels::OpList<UnaryOp>::values) {
    const bool positive_only = op == UnaryOp::Log || op == UnaryOp::Sqrt || op == UnaryOp::Pow;
    const bool transcendental = op == UnaryOp::Exp || op == UnaryOp::Log || op == UnaryOp::Pow;
    const kernels::ScalarParams p = op == UnaryOp::Pow ? kernels::ScalarParams{1.7, 0}
                                    : op == UnaryOp::Clamp ? kernels::ScalarParams{-0.5, 0.25}
                                                           : kernels::ScalarParams{-1.25, 0};
    for (DType dtype : {DType::F32, DType::F64})
      for (const Variant& v : kElementwise) {
        Fill fill = positive_only ? Fill::Positive : Fill::Uniform;
        Case c;
        c.primitive = std::string("unary.") + kernels::op_name(op);
        c.label = describe_shape(v.shape, dtype, v.layout);
        c.operands = {out(v.shape, dtype), in(v.shape, dtype, fill, v.layout)};
        c.ulps = transcendental ? 8 : 4;
        c.run = [op, p](kernels::Backend& b, const Descs& d) { b.unary(op, d[0], d[1], p); };
        cases.push_back(c);

        Case g;
        g.primitive = std::string("unary_backward.") + kernels::op_name(op);
        g.label = c.label;
        g.operands = {out(v.shape, dtype), in(v.shape, dtype, Fill::Uniform, v.layout), in(v.shape, dtype, fill),
                      in(v.shape, dtype, Fill::Positive, input_layout(v.layout, 1))};
        g.ulps = transcendental ? 12 : 6;
        g.run = [op, p](kernels::Backend& b, const Descs& d) { b.unary_backward(op, d[0], d[1], d[2], d[3], p); };
        cases.push_back(g);
      }
    // NaN, ±inf and ±1e4 through the ops whose edge semantics are specified (NaN stays NaN).
    if (!positive_only && op != UnaryOp::Exp) {
      Case c;
      c.primitive = std::string("unary.") + kernels::op_name(op);
      c.label = "[64] f32 special values";
      c.operands = {out({64}, DType::F32), in({64}, DType::F32, Fill::Special)};
      c.run = [op, p](kernels::Backend& b, const Descs& d) { b.unary(op, d[0], d[1], p); };
      cases.push_back(c);
    }
  }
  // Integer unary ops are exact.
  for (UnaryOp op : {UnaryOp::Neg, UnaryOp::Abs, UnaryOp::Clamp, UnaryOp::AddScalar, UnaryOp::MulScalar}) {
    Case c;
    c.primitive = std::string("unary.") + kernels::op_name(op);
    c.label = "[5, 7] i64 transposed";
    c.operands = {out({5, 7}, DType::I64), in({5, 7}, DType::I64, Fill::Integer, Layout::Transposed)};
    c.exact = true;
    c.run = [op](kernels::Backend& b, const Descs& d) { b.unary(op, d[0], d[1], {-2, 3}); };
    cases.push_back(c);
  }

  for (BinaryOp op : kernels::OpList<BinaryOp>::values) {
    const bool comparison = kernels::is_comparison(op);
    const Fill fill_a = op == BinaryOp::Pow ? Fill::Positive : Fill::Uniform;
    const Fill fill_b = op == BinaryOp::Div ? Fill::Positive : Fill::Uniform;
    for (DType dtype : {DType::F32, DType::F64})
      for (const Variant& v : kElementwise) {
        Case c;
        c.primitive = std::string("binary.") + kernels::op_name(op);
        c.label = describe_shape(v.shape, dtype, v.layout) + " with " + describe_shape(v.shape, dtype, input_layout(v.layout, 1));
        c.operands = {out(v.shape, dtype), in(v.shape, dtype, fill_a, input_layout(v.layout, 0)),
                      in(v.shape, dtype, fill_b, input_layout(v.layout, 1))};
        c.ulps = op == BinaryOp::Pow ? 8 : 4;
        c.exact = comparison;
        c.run = [op](kernels::Backend& b, const Descs& d) { b.binary(op, d[0], d[1], d[2]); };
        cases.push_back(c);

        Case g;  // comparisons: zero gradients
        g.primitive = std::string("binary_backward.") + kernels::op_name(op);
        g.label = c.label;
        g.operands = {out(v.shape, dtype), out(v.shape, dtype), in(v.shape, dtype, Fill::Uniform, v.layout),
                      in(v.shape, dtype, fill_a, input_layout(v.layout, 0)), in(v.shape, dtype, fill_b, input_layout(v.layout, 1))};
        g.ulps = op == BinaryOp::Pow ? 16 : 8;
        g.exact = comparison;
        g.run = [op](kernels::Backend& b, const Descs& d) { b.binary_backward(op, d[0], d[1], d[2], d[3], d[4]); };
        cases.push_back(g);
      }
    // Integer tensors (comparisons and the ops that stay integral) must match exactly; ties
    // are frequent in [-4, 4], which exercises minimum/maximum/comparison ties.
    if (op != BinaryOp::Div && op != BinaryOp::Pow) {
      Case c;
      c.primitive = std::string("binary.") + kernels::op_name(op);
      c.label = "[6, 9] i64 / f32 integer-valued";
      for (DType dtype : {DType::I64, DType::F32}) {
        c.operands = {out({6, 9}, dtype), in({6, 9}, dtype, Fill::Integer, Layout::Transposed),
                      in({6, 9}, dtype, Fill::Integer, Layout::Broadcast)};
        c.exact = true;
        c.run = [op](kernels::Backend& b, const Descs& d) { b.binary(op, d[0], d[1], d[2]); };
        cases.push_back(c);
      }
    }
    if (op == BinaryOp::Minimum || op == BinaryOp::Maximum || comparison) {
      Case c;
      c.primitive = std::string("binary.") + kernels::op_name(op);
      c.label = "[97] f32 special values";
      c.operands = {out({97}, DType::F32), in({97}, DType::F32, Fill::Special), in({97}, DType::F32, Fill::Special)};
      c.exact = true;
      c.run = [op](kernels::Backend& b, const Descs& d) { b.binary(op, d[0], d[1], d[2]); };
      cases.push_back(c);
    }
  }
  // binary_backward with one gradient not wanted (absent): the other must still be right.
  {
    Case g;
    g.primitive = "binary_backward.mul";
    g.label = "[4, 5] f32, grad_b not wanted";
    g.operands = {out({4, 5}, DType::F32), out({4, 5}, DType::F32), in({4, 5}, DType::F32), in({4, 5}, DType::F32),
                  in({4, 5}, DType::F32, Fill::Uniform, Layout::Broadcast)};
    g.run = [](kernels::Backend& b, const Descs& d) { b.binary_backward(BinaryOp::Mul, d[0], kernels::absent, d[2], d[3], d[4]); };
    cases.push_back(g);
  }
  for (DType dtype : {DType::F32, DType::F64, DType::I64})
    for (const Variant& v : {Variant{{3, 5}, Layout::Transposed}, Variant{{2, 1, 3}, Layout::Strided}, Variant{{1 << 17}, Layout::Contiguous}}) {
      Case c;
      c.primitive = "where";
      c.label = describe_shape(v.shape, dtype, v.layout);
      c.operands = {out(v.shape, dtype), in(v.shape, DType::F32, Fill::Integer, v.layout), in(v.shape, dtype, Fill::Uniform),
                    in(v.shape, dtype, Fill::Uniform, Layout::Broadcast)};
      c.exact = true;
      c.run = [](kernels::Backend& b, const Descs& d) { b.where(d[0], d[1], d[2], d[3]); };
      cases.push_back(c);
    }
  return cases;
}

std::vector<Case> memory_cases() {
  std::vector<Case> cases;
  const std::pair<DType, DType> conversions[] = {{DType::F32, DType::F32}, {DType::F64, DType::F32}, {DType::F32, DType::F64},
                                                 {DType::I64, DType::F32}, {DType::F32, DType::I64}, {DType::I64, DType::I64}};
  for (auto [to, from] : conversions)
    for (const Variant& v : kElementwise) {
      Case c;
      c.primitive = "copy";
      c.label = describe_shape(v.shape, to, Layout::Contiguous) + " <- " + describe_shape(v.shape, from, v.layout);
      c.operands = {out(v.shape, to, v.layout == Layout::Transposed ? Layout::Strided : Layout::Contiguous),
                    in(v.shape, from, Fill::Uniform, v.layout)};
      c.exact = true;  // conversions are exactly specified (round to nearest, truncate to integer)
      c.run = [](kernels::Backend& b, const Descs& d) { b.copy(d[0], d[1]); };
      cases.push_back(c);
    }
  for (DType dtype : {DType::F32, DType::F64, DType::I64})
    for (const Variant& v : {Variant{{}, Layout::Contiguous}, Variant{{3, 5}, Layout::Strided}, Variant{{1 << 17}, Layout::Contiguous}}) {
      Case c;
      c.primitive = "fill";
      c.label = describe_shape(v.shape, dtype, v.layout);
      c.operands = {out(v.shape, dtype, v.layout)};
      c.exact = true;
      c.run = [](kernels::Backend& b, const Descs& d) { b.fill(d[0], -3.0); };
      cases.push_back(c);
    }
  for (DType dtype : {DType::F32, DType::F64})
    for (const Variant& v : {Variant{{3, 5, 7}, Layout::Contiguous}, Variant{{3, 5, 7}, Layout::Strided}, Variant{{1 << 17}, Layout::Contiguous}}) {
      Case u;
      u.primitive = "random_uniform";
      u.label = describe_shape(v.shape, dtype, v.layout);
      u.operands = {out(v.shape, dtype, v.layout)};
      u.exact = true;  // same Philox words, same exact conversion
      u.run = [](kernels::Backend& b, const Descs& d) { b.random_uniform(d[0], {12345, 678}, -2.0, 3.0); };
      cases.push_back(u);
      Case n = u;
      n.primitive = "random_normal";
      n.exact = false;  // Box-Muller goes through log/cos/sin: a GPU's libm may differ in the last bit
      n.run = [](kernels::Backend& b, const Descs& d) { b.random_normal(d[0], {999, 3}, 0.5, 2.0); };
      cases.push_back(n);
    }
  for (const Variant& v : {Variant{{3, 5, 7}, Layout::Strided}, Variant{{1 << 17}, Layout::Contiguous}}) {
    Case c;
    c.primitive = "random_int";
    c.label = describe_shape(v.shape, DType::I64, v.layout);
    c.operands = {out(v.shape, DType::I64, v.layout)};
    c.exact = true;
    c.run = [](kernels::Backend& b, const Descs& d) { b.random_int(d[0], {7, 0}, -5, 10); };
    cases.push_back(c);
  }
  return cases;
}

std::vector<Case> reduction_cases() {
  struct Shapes {
    Shape in, out;
    Layout layout;
  };
  const std::vector<Shapes> variants = {
      {{}, {}, Layout::Contiguous},
      {{7}, {1}, Layout::Contiguous},
      {{3, 5}, {3, 1}, Layout::Transposed},
      {{3, 5}, {1, 5}, Layout::Contiguous},  // leading dim: the column walk
      {{3, 5}, {1, 1}, Layout::Strided},
      {{2, 3, 4}, {2, 1, 4}, Layout::Transposed},
      {{2, 3, 4}, {1, 3, 1}, Layout::Contiguous},
      {{64, 8, 33}, {1, 8, 33}, Layout::Contiguous},  // column walk, threaded
      {{64, 8, 33}, {1, 8, 1}, Layout::Strided},
      {{256, 512}, {256, 1}, Layout::Contiguous},  // threaded over outputs
      {{1, 1, 9}, {1, 1, 1}, Layout::Contiguous},
  };
  std::vector<Case> cases;
  for (const Shapes& s : variants) {
    const int64_t count = shape_numel(s.in) / std::max<int64_t>(1, shape_numel(s.out));
    for (DType dtype : {DType::F32, DType::F64}) {
      for (ReduceOp op : {ReduceOp::Sum, ReduceOp::Mean, ReduceOp::Max, ReduceOp::Min, ReduceOp::Var}) {
        for (int64_t correction : {int64_t{1}, int64_t{0}}) {
          if (correction == 0 && op != ReduceOp::Var) continue;
          Case c;
          c.primitive = std::string("reduce.") + kernels::op_name(op);
          c.label = describe_shape(s.in, dtype, s.layout) + " -> " + shape_str(s.out) +
                    (op == ReduceOp::Var ? " correction " + std::to_string(correction) : "");
          c.operands = {out(s.out, dtype), in(s.in, dtype, Fill::Uniform, s.layout)};
          c.reduction_length = count;
          c.bound_by_absolute_inputs = op == ReduceOp::Sum || op == ReduceOp::Mean;
          c.exact = op == ReduceOp::Max || op == ReduceOp::Min;  // a selection, no arithmetic
          c.run = [op, correction](kernels::Backend& b, const Descs& d) { b.reduce(op, d[0], d[1], {correction}); };
          cases.push_back(c);
        }
      }
      // Integer-valued sums are exact in either dtype.
      Case exact_sum;
      exact_sum.primitive = "reduce.sum";
      exact_sum.label = describe_shape(s.in, dtype, s.layout) + " -> " + shape_str(s.out) + " integer-valued";
      exact_sum.operands = {out(s.out, dtype), in(s.in, dtype, Fill::Integer, s.layout)};
      exact_sum.exact = true;
      exact_sum.run = [](kernels::Backend& b, const Descs& d) { b.reduce(ReduceOp::Sum, d[0], d[1], {}); };
      cases.push_back(exact_sum);
    }
    for (DType dtype : {DType::I64, DType::F32})
      for (ReduceOp op : {ReduceOp::Sum, ReduceOp::Max, ReduceOp::Min}) {
        Case c;
        c.primitive = std::string("reduce.") + kernels::op_name(op);
        c.label = describe_shape(s.in, dtype, s.layout) + " -> " + shape_str(s.out) + " special/integer";
        c.operands = {out(s.out, dtype), in(s.in, dtype, dtype == DType::I64 ? Fill::Integer : Fill::Special, s.layout)};
        c.exact = op != ReduceOp::Sum || dtype == DType::I64;
        c.reduction_length = count;
        c.run = [op](kernels::Backend& b, const Descs& d) { b.reduce(op, d[0], d[1], {}); };
        if (op != ReduceOp::Sum || dtype == DType::I64) cases.push_back(c);
      }
  }
  // argmax/argmin reduce exactly one dim; integer data has ties (the first index wins).
  const std::vector<Shapes> single_dim = {{{7}, {1}, Layout::Contiguous},
                                          {{3, 5}, {3, 1}, Layout::Transposed},
                                          {{3, 5}, {1, 5}, Layout::Strided},
                                          {{4, 6, 5}, {4, 1, 5}, Layout::Contiguous},
                                          {{300, 200}, {300, 1}, Layout::Contiguous}};
  for (const Shapes& s : single_dim)
    for (ReduceOp op : {ReduceOp::ArgMax, ReduceOp::ArgMin})
      for (Fill fill : {Fill::Uniform, Fill::Integer, Fill::Special}) {
        Case c;
        c.primitive = std::string("reduce.") + kernels::op_name(op);
        c.label = describe_shape(s.in, DType::F32, s.layout) + " -> " + shape_str(s.out) + " fill " + std::to_string(static_cast<int>(fill));
        c.operands = {out(s.out, DType::I64), in(s.in, DType::F32, fill, s.layout)};
        c.exact = true;
        c.run = [op](kernels::Backend& b, const Descs& d) { b.reduce(op, d[0], d[1], {}); };
        cases.push_back(c);
      }
  return cases;
}

kernels::MatrixDesc matrix(const kernels::TensorDesc& d) {
  const int n = d.ndim;
  return {d.data, n == 3 ? d.strides[0] : 0, d.strides[n - 2], d.strides[n - 1]};
}

std::vector<Case> gemm_cases() {
  struct Gemm {
    int64_t batch, m, k, n;
    Layout a, b;
    double alpha, beta;
  };
  const std::vector<Gemm> variants = {
      {1, 1, 1, 1, Layout::Contiguous, Layout::Contiguous, 1, 0},
      {1, 7, 13, 5, Layout::Contiguous, Layout::Contiguous, 1, 0},
      {1, 7, 13, 5, Layout::Transposed, Layout::Transposed, 1, 0},
      {1, 3, 17, 9, Layout::Strided, Layout::Transposed, 0.5, 2},
      {1, 64, 100, 128, Layout::Contiguous, Layout::Contiguous, 1, 0},  // MLP GAN layer shapes
      {1, 64, 1024, 784, Layout::Contiguous, Layout::Transposed, 1, 0},
      {4, 3, 17, 9, Layout::Transposed, Layout::Strided, 1, 0},
      {5, 6, 7, 3, Layout::Contiguous, Layout::Broadcast, 1, 1},  // one B for every batch
      {3, 5, 0, 4, Layout::Contiguous, Layout::Contiguous, 1, 0},  // k = 0: C = beta * C
  };
  std::vector<Case> cases;
  for (const Gemm& g : variants)
    for (DType dtype : {DType::F32, DType::F64, DType::I64})
      for (bool integer_valued : {false, true}) {
        if (dtype == DType::I64 && !integer_valued) continue;
        auto shape = [&](int64_t r, int64_t c) { return g.batch > 1 ? Shape{g.batch, r, c} : Shape{r, c}; };
        Fill fill = integer_valued ? Fill::Integer : Fill::Uniform;
        Case c;
        c.primitive = "gemm";
        c.label = "batch " + std::to_string(g.batch) + " " + describe_shape(shape(g.m, g.k), dtype, g.a) + " @ " +
                  describe_shape(shape(g.k, g.n), dtype, g.b) + (g.beta != 0 ? " beta " + std::to_string(g.beta) : "") +
                  (integer_valued ? " integer-valued" : "");
        c.operands = {{g.beta != 0 ? Role::InOut : Role::Output, shape(g.m, g.n), dtype, fill, Layout::Contiguous, 0},
                      in(shape(g.m, g.k), dtype, fill, g.a), in(shape(g.k, g.n), dtype, fill, g.b)};
        // integer-valued products and sums stay below 2^24: exact in f32
        c.exact = integer_valued;
        c.reduction_length = g.k + 1;
        c.bound_by_absolute_inputs = true;
        c.follows_math = true;
        c.run = [g, dtype](kernels::Backend& b, const Descs& d) {
          kernels::GemmDesc desc;
          desc.dtype = dtype;
          desc.batch = g.batch;
          desc.m = g.m;
          desc.n = g.n;
          desc.k = g.k;
          desc.c = matrix(d[0]);
          desc.a = matrix(d[1]);
          desc.b = matrix(d[2]);
          desc.alpha = g.alpha;
          desc.beta = g.beta;
          b.gemm(desc);
        };
        cases.push_back(c);
      }
  return cases;
}

std::vector<Case> index_cases() {
  std::vector<Case> cases;
  struct Index {
    Shape table;
    int dim;
    int64_t count;
    Layout layout;
  };
  for (const Index& v : {Index{{5, 3}, 0, 4, Layout::Contiguous}, Index{{5, 3}, 1, 7, Layout::Transposed},
                         Index{{2, 9, 4}, 1, 12, Layout::Strided}, Index{{10, 1}, 0, 1, Layout::Contiguous}})
    for (DType dtype : {DType::F32, DType::F64, DType::I64}) {
      Shape picked = v.table;
      picked[v.dim] = v.count;
      Operand index{Role::Input, {v.count}, DType::I64, Fill::Index, Layout::Contiguous, v.table[v.dim]};
      Case s;
      s.primitive = "index_select";
      s.label = describe_shape(v.table, dtype, v.layout) + " dim " + std::to_string(v.dim) + " x" + std::to_string(v.count);
      s.operands = {out(picked, dtype), in(v.table, dtype, Fill::Uniform, v.layout), index};
      s.exact = true;
      const int dim = v.dim;
      s.run = [dim](kernels::Backend& b, const Descs& d) { b.index_select(d[0], d[1], dim, d[2]); };
      cases.push_back(s);

      Case a;
      a.primitive = "index_add";
      a.label = s.label + " (repeated indices accumulate)";
      a.operands = {{Role::InOut, v.table, dtype, Fill::Uniform, v.layout, 0}, index, in(picked, dtype, Fill::Uniform, Layout::Strided)};
      a.reduction_length = v.count + 1;
      a.bound_by_absolute_inputs = true;
      a.exact = dtype == DType::I64;
      a.run = [dim](kernels::Backend& b, const Descs& d) { b.index_add(d[0], dim, d[1], d[2]); };
      cases.push_back(a);
    }
  return cases;
}

}  // namespace

std::vector<Case> core_cases() {
  std::vector<Case> cases;
  for (auto&& group : {elementwise_cases(), memory_cases(), reduction_cases(), gemm_cases(), index_cases()})
    cases.insert(cases.end(), group.begin(), group.end());
  return cases;
}

}  // namespace ganforge::testing
