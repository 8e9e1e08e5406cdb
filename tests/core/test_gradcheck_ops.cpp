// Numerical gradient checks (float64, central differences) for every differentiable op and
// Tensor method, on every CPU backend. Shapes are chosen to exercise broadcasting, size-1
// dims, odd sizes and 0-d tensors; inputs avoid the points where an op is not
// differentiable (ties, |x| = 0, clamp bounds, non-positive bases).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/ganforge.h"
#include "tests/core/gradcheck_inputs.h"

using namespace ganforge;

namespace {

using namespace ganforge::testing;

class GradcheckOps : public ::testing::TestWithParam<std::string> {};

}  // namespace

INSTANTIATE_TEST_SUITE_P(Backends, GradcheckOps, ::testing::Values(std::string("reference"), std::string("cpu")),
                         backend_name);

TEST_P(GradcheckOps, KernelsGuardSelectsTheBackend) {
  KernelsGuard guard(GetParam());
  EXPECT_EQ(current_kernels(DeviceType::CPU), GetParam());
}

// ------------------------------------------------------------------ binary elementwise

TEST_P(GradcheckOps, Add) {
  KernelsGuard guard(GetParam());
  Generator gen(101);
  auto f = [](const Inputs& in) { return add(in[0], in[1]); };
  EXPECT_GRADCHECK(f, {normal({3, 5}, gen), normal({3, 5}, gen)});
  EXPECT_GRADCHECK(f, {normal({3, 1}, gen), normal({1, 4}, gen)});
  EXPECT_GRADCHECK(f, {normal({2, 3}, gen), normal({3}, gen)});
  EXPECT_GRADCHECK(f, {normal({}, gen), normal({2, 1, 3}, gen)});
  EXPECT_GRADCHECK(f, {normal({}, gen), normal({}, gen)});
}

TEST_P(GradcheckOps, Sub) {
  KernelsGuard guard(GetParam());
  Generator gen(102);
  auto f = [](const Inputs& in) { return sub(in[0], in[1]); };
  EXPECT_GRADCHECK(f, {normal({3, 1}, gen), normal({1, 4}, gen)});
  EXPECT_GRADCHECK(f, {normal({3}, gen), normal({2, 3}, gen)});
  EXPECT_GRADCHECK(f, {normal({7}, gen), normal({}, gen)});
}

TEST_P(GradcheckOps, Mul) {
  KernelsGuard guard(GetParam());
  Generator gen(103);
  auto f = [](const Inputs& in) { return mul(in[0], in[1]); };
  EXPECT_GRADCHECK(f, {normal({3, 5}, gen), normal({3, 5}, gen)});
  EXPECT_GRADCHECK(f, {normal({3, 1}, gen), normal({1, 4}, gen)});
  EXPECT_GRADCHECK(f, {normal({2, 3}, gen), normal({3}, gen)});
  EXPECT_GRADCHECK(f, {normal({1, 5, 1}, gen), normal({3, 1, 7}, gen)});
  EXPECT_GRADCHECK(f, {normal({2, 3}, gen), normal({}, gen)});
}

TEST_P(GradcheckOps, MulWithOneInputNotRequiringGrad) {
  KernelsGuard guard(GetParam());
  Generator gen(104);
  Tensor constant = randn({1, 4}, kF64, &gen);
  EXPECT_GRADCHECK([](const Inputs& in) { return mul(in[0], in[1]); }, {normal({3, 1}, gen), constant});
  EXPECT_GRADCHECK([](const Inputs& in) { return mul(in[1], in[0]); }, {normal({3, 1}, gen), constant});
}

TEST_P(GradcheckOps, Div) {
  KernelsGuard guard(GetParam());
  Generator gen(105);
  auto f = [](const Inputs& in) { return div(in[0], in[1]); };
  EXPECT_GRADCHECK(f, {normal({3, 5}, gen), away_from_zero({3, 5}, gen)});
  EXPECT_GRADCHECK(f, {normal({3, 1}, gen), away_from_zero({1, 4}, gen)});
  EXPECT_GRADCHECK(f, {normal({2, 3}, gen), away_from_zero({3}, gen)});
  EXPECT_GRADCHECK(f, {normal({}, gen), away_from_zero({5}, gen)});
}

TEST_P(GradcheckOps, PowTensorTensorWithPositiveBase) {
  KernelsGuard guard(GetParam());
  Generator gen(106);
  auto f = [](const Inputs& in) { return pow(in[0], in[1]); };
  EXPECT_GRADCHECK(f, {uniform({3, 5}, gen, 0.5, 2.0), normal({3, 5}, gen)});
  EXPECT_GRADCHECK(f, {uniform({3, 1}, gen, 0.5, 2.0), normal({1, 4}, gen)});
  EXPECT_GRADCHECK(f, {uniform({2, 3}, gen, 0.5, 2.0), normal({3}, gen)});
  EXPECT_GRADCHECK(f, {uniform({}, gen, 0.5, 2.0), normal({5}, gen)});
}

TEST_P(GradcheckOps, PowTensorScalar) {
  KernelsGuard guard(GetParam());
  Generator gen(107);
  for (double exponent : {2.0, 3.0, 0.5, -1.5, 1.7}) {
    SCOPED_TRACE("exponent " + std::to_string(exponent));
    EXPECT_GRADCHECK([exponent](const Inputs& in) { return pow(in[0], exponent); }, {uniform({3, 5}, gen, 0.5, 2.0)});
  }
  // integral exponents are defined for negative bases too
  for (double exponent : {2.0, 3.0}) {
    SCOPED_TRACE("negative base, exponent " + std::to_string(exponent));
    EXPECT_GRADCHECK([exponent](const Inputs& in) { return pow(in[0], exponent); }, {away_from_zero({2, 3}, gen)});
  }
}

TEST_P(GradcheckOps, MinimumAndMaximumWithoutTies) {
  KernelsGuard guard(GetParam());
  Generator gen(108);
  auto fmin = [](const Inputs& in) { return minimum(in[0], in[1]); };
  auto fmax = [](const Inputs& in) { return maximum(in[0], in[1]); };
  EXPECT_GRADCHECK(fmin, {normal({3, 5}, gen), normal({3, 5}, gen)});
  EXPECT_GRADCHECK(fmax, {normal({3, 5}, gen), normal({3, 5}, gen)});
  EXPECT_GRADCHECK(fmin, {normal({3, 1}, gen), normal({1, 4}, gen)});
  EXPECT_GRADCHECK(fmax, {normal({3, 1}, gen), normal({1, 4}, gen)});
  EXPECT_GRADCHECK(fmin, {normal({2, 3}, gen), normal({3}, gen)});
  EXPECT_GRADCHECK(fmax, {normal({2, 3}, gen), normal({3}, gen)});
}

TEST_P(GradcheckOps, AddAndMulWithScalar) {
  KernelsGuard guard(GetParam());
  Generator gen(109);
  EXPECT_GRADCHECK([](const Inputs& in) { return add(in[0], 2.5); }, {normal({3, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return mul(in[0], -1.5); }, {normal({3, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return mul(add(in[0], -0.5), 3.0); }, {normal({}, gen)});
}

TEST_P(GradcheckOps, TensorOperators) {
  KernelsGuard guard(GetParam());
  Generator gen(110);
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0] + in[1]; }, {normal({3, 1}, gen), normal({1, 4}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0] - in[1]; }, {normal({3, 1}, gen), normal({1, 4}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0] * in[1]; }, {normal({2, 3}, gen), normal({3}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0] / in[1]; }, {normal({2, 3}, gen), away_from_zero({3}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return -in[0]; }, {normal({3, 5}, gen)});
}

TEST_P(GradcheckOps, ScalarOperatorsOnEitherSide) {
  KernelsGuard guard(GetParam());
  Generator gen(111);
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0] + 2.0; }, {normal({3, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return 2.0 + in[0]; }, {normal({3, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0] - 2.0; }, {normal({3, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return 2.0 - in[0]; }, {normal({3, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0] * 3.0; }, {normal({3, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return 3.0 * in[0]; }, {normal({3, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0] / 4.0; }, {normal({3, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return 4.0 / in[0]; }, {away_from_zero({3, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return 1.0 - 2.0 / in[0] * 0.5 + 3.0; }, {away_from_zero({}, gen)});
}

// ------------------------------------------------------------------ unary elementwise

TEST_P(GradcheckOps, Neg) {
  KernelsGuard guard(GetParam());
  Generator gen(120);
  EXPECT_GRADCHECK([](const Inputs& in) { return neg(in[0]); }, {normal({3, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return neg(in[0]); }, {normal({}, gen)});
}

TEST_P(GradcheckOps, Exp) {
  KernelsGuard guard(GetParam());
  Generator gen(121);
  EXPECT_GRADCHECK([](const Inputs& in) { return exp(in[0]); }, {normal({3, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return exp(in[0]); }, {normal({1, 7, 1}, gen)});
}

TEST_P(GradcheckOps, LogOfPositiveInputs) {
  KernelsGuard guard(GetParam());
  Generator gen(122);
  EXPECT_GRADCHECK([](const Inputs& in) { return log(in[0]); }, {uniform({3, 5}, gen, 0.2, 3.0)});
  EXPECT_GRADCHECK([](const Inputs& in) { return log(in[0]); }, {uniform({}, gen, 0.2, 3.0)});
}

TEST_P(GradcheckOps, SqrtOfPositiveInputs) {
  KernelsGuard guard(GetParam());
  Generator gen(123);
  EXPECT_GRADCHECK([](const Inputs& in) { return sqrt(in[0]); }, {uniform({3, 5}, gen, 0.2, 3.0)});
  EXPECT_GRADCHECK([](const Inputs& in) { return sqrt(in[0]); }, {uniform({7}, gen, 0.2, 3.0)});
}

TEST_P(GradcheckOps, AbsAwayFromZero) {
  KernelsGuard guard(GetParam());
  Generator gen(124);
  EXPECT_GRADCHECK([](const Inputs& in) { return abs(in[0]); }, {away_from_zero({3, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return abs(in[0]); }, {away_from_zero({}, gen)});
}

TEST_P(GradcheckOps, ClampAwayFromBounds) {
  KernelsGuard guard(GetParam());
  // every value is at least 0.05 away from -0.5, 0.5 and 0.25
  Tensor x = from_vector(std::vector<double>{-2.0, -0.9, -0.45, -0.3, -0.1, 0.05, 0.2, 0.4, 0.45, 0.7, 1.3, -0.6,
                                            0.35, -0.2, 2.5},
                         {3, 5})
                 .requires_grad_();
  EXPECT_GRADCHECK([](const Inputs& in) { return clamp(in[0], -0.5, 0.5); }, {x});
  EXPECT_GRADCHECK([](const Inputs& in) { return clamp(in[0], -1.0, 0.25); }, {x});
  EXPECT_GRADCHECK([](const Inputs& in) { return clamp(in[0], -10.0, 10.0); }, {x});
}

TEST_P(GradcheckOps, Where) {
  KernelsGuard guard(GetParam());
  Generator gen(125);
  Tensor cond_column = from_vector(std::vector<double>{1, 0, 1}, {3, 1});
  EXPECT_GRADCHECK([cond_column](const Inputs& in) { return where(cond_column, in[0], in[1]); },
                   {normal({1, 4}, gen), normal({3, 4}, gen)});
  Tensor cond_row = from_vector(std::vector<int64_t>{0, 1, 1, 0}, {4});
  EXPECT_GRADCHECK([cond_row](const Inputs& in) { return where(cond_row, in[0], in[1]); },
                   {normal({3, 1}, gen), normal({}, gen)});
  Tensor zero = zeros({}, kF64);
  EXPECT_GRADCHECK([cond_column, zero](const Inputs& in) { return where(cond_column, in[0], zero); },
                   {normal({3, 5}, gen)});
}

// ------------------------------------------------------------------ reductions

namespace {

struct ReductionCase {
  Shape shape;
  std::vector<int> dims;
};

std::string describe_case(const ReductionCase& c, bool keepdim) {
  std::string dims = "{";
  for (size_t i = 0; i < c.dims.size(); ++i) dims += (i ? ", " : "") + std::to_string(c.dims[i]);
  return "shape " + shape_str(c.shape) + " dims " + dims + "} keepdim " + (keepdim ? "true" : "false");
}

int64_t reduced_count(const ReductionCase& c) {
  if (c.dims.empty()) return shape_numel(c.shape);
  int64_t count = 1;
  const int ndim = static_cast<int>(c.shape.size());
  for (int d : c.dims) count *= c.shape[static_cast<size_t>(d < 0 ? d + ndim : d)];
  return count;
}

const std::vector<ReductionCase>& reduction_cases() {
  static const std::vector<ReductionCase> cases{
      {{3, 4, 5}, {}},     {{3, 4, 5}, {0}},       {{3, 4, 5}, {1}},  {{3, 4, 5}, {-1}},
      {{3, 4, 5}, {0, 2}}, {{3, 4, 5}, {0, 1, 2}}, {{3, 1, 5}, {1}},  {{3, 1, 5}, {0, 1}},
      {{7}, {0}},          {{1, 7}, {-1}},         {{}, {}},
  };
  return cases;
}

}  // namespace

TEST_P(GradcheckOps, SumOverDimSets) {
  KernelsGuard guard(GetParam());
  Generator gen(130);
  for (const ReductionCase& c : reduction_cases())
    for (bool keepdim : {false, true}) {
      SCOPED_TRACE(describe_case(c, keepdim));
      EXPECT_GRADCHECK([&](const Inputs& in) { return sum(in[0], c.dims, keepdim); }, {normal(c.shape, gen)});
    }
}

TEST_P(GradcheckOps, MeanOverDimSets) {
  KernelsGuard guard(GetParam());
  Generator gen(131);
  for (const ReductionCase& c : reduction_cases())
    for (bool keepdim : {false, true}) {
      SCOPED_TRACE(describe_case(c, keepdim));
      EXPECT_GRADCHECK([&](const Inputs& in) { return mean(in[0], c.dims, keepdim); }, {normal(c.shape, gen)});
    }
}

TEST_P(GradcheckOps, AmaxAndAminOverDimSetsWithoutTies) {
  KernelsGuard guard(GetParam());
  Generator gen(132);
  for (const ReductionCase& c : reduction_cases())
    for (bool keepdim : {false, true}) {
      SCOPED_TRACE(describe_case(c, keepdim));
      EXPECT_GRADCHECK([&](const Inputs& in) { return amax(in[0], c.dims, keepdim); }, {normal(c.shape, gen)});
      EXPECT_GRADCHECK([&](const Inputs& in) { return amin(in[0], c.dims, keepdim); }, {normal(c.shape, gen)});
    }
}

TEST_P(GradcheckOps, VarOverDimSets) {
  KernelsGuard guard(GetParam());
  Generator gen(133);
  for (const ReductionCase& c : reduction_cases())
    for (bool keepdim : {false, true})
      for (int64_t correction : {0, 1}) {
        if (reduced_count(c) - correction <= 0) continue;  // variance undefined there
        SCOPED_TRACE(describe_case(c, keepdim) + " correction " + std::to_string(correction));
        EXPECT_GRADCHECK([&](const Inputs& in) { return var(in[0], c.dims, correction, keepdim); },
                         {normal(c.shape, gen)});
      }
}

TEST_P(GradcheckOps, ReductionMethods) {
  KernelsGuard guard(GetParam());
  Generator gen(134);
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].sum({1}, true); }, {normal({3, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].mean({0}); }, {normal({3, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].max({-1}); }, {normal({3, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].min({0}, true); }, {normal({3, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].var({1}, 0, true); }, {normal({3, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].var(); }, {normal({3, 5}, gen)});
}

TEST_P(GradcheckOps, ReductionOfNonContiguousInput) {
  KernelsGuard guard(GetParam());
  Generator gen(135);
  EXPECT_GRADCHECK([](const Inputs& in) { return sum(in[0].t(), {1}); }, {normal({3, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return var(in[0].permute({2, 0, 1}), {0, 2}); }, {normal({3, 4, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return amax(in[0].slice(1, 0, 5, 2), {1}); }, {normal({3, 5}, gen)});
}

// ------------------------------------------------------------------ matmul

TEST_P(GradcheckOps, Matmul2D) {
  KernelsGuard guard(GetParam());
  Generator gen(140);
  auto f = [](const Inputs& in) { return matmul(in[0], in[1]); };
  EXPECT_GRADCHECK(f, {normal({3, 5}, gen), normal({5, 4}, gen)});
  EXPECT_GRADCHECK(f, {normal({1, 5}, gen), normal({5, 1}, gen)});
  EXPECT_GRADCHECK(f, {normal({1, 1}, gen), normal({1, 1}, gen)});
  EXPECT_GRADCHECK(f, {normal({7, 1}, gen), normal({1, 3}, gen)});
}

TEST_P(GradcheckOps, MatmulBatched) {
  KernelsGuard guard(GetParam());
  Generator gen(141);
  auto f = [](const Inputs& in) { return matmul(in[0], in[1]); };
  EXPECT_GRADCHECK(f, {normal({2, 3, 5}, gen), normal({2, 5, 4}, gen)});
  EXPECT_GRADCHECK(f, {normal({2, 3, 2, 3}, gen), normal({2, 3, 3, 2}, gen)});
}

TEST_P(GradcheckOps, MatmulWithBroadcastBatchDims) {
  KernelsGuard guard(GetParam());
  Generator gen(142);
  auto f = [](const Inputs& in) { return matmul(in[0], in[1]); };
  EXPECT_GRADCHECK(f, {normal({2, 3, 4}, gen), normal({4, 5}, gen)});
  EXPECT_GRADCHECK(f, {normal({3, 4}, gen), normal({2, 4, 5}, gen)});
  EXPECT_GRADCHECK(f, {normal({2, 1, 3, 4}, gen), normal({3, 4, 2}, gen)});
  EXPECT_GRADCHECK(f, {normal({3, 1, 2, 4}, gen), normal({1, 2, 4, 3}, gen)});
}

TEST_P(GradcheckOps, MatmulWithTransposedInputs) {
  KernelsGuard guard(GetParam());
  Generator gen(143);
  EXPECT_GRADCHECK([](const Inputs& in) { return matmul(in[0].t(), in[1]); },
                   {normal({5, 3}, gen), normal({5, 4}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return matmul(in[0], in[1].t()); },
                   {normal({3, 5}, gen), normal({4, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return matmul(in[0].t(), in[1].t()); },
                   {normal({5, 3}, gen), normal({4, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return matmul(in[0].transpose(-1, -2), in[1]); },
                   {normal({2, 5, 3}, gen), normal({2, 5, 4}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return matmul(in[0], in[1].permute({1, 2, 0})); },
                   {normal({2, 3, 5}, gen), normal({4, 2, 5}, gen)});
}

TEST_P(GradcheckOps, MatmulOfNonContiguousLeaves) {
  KernelsGuard guard(GetParam());
  Generator gen(144);
  // leaves whose own strides are transposed: no op records their layout
  Tensor a = randn({5, 3}, kF64, &gen).t().requires_grad_();
  Tensor b = randn({2, 4, 5}, kF64, &gen).transpose(1, 2).requires_grad_();
  ASSERT_FALSE(a.is_contiguous());
  ASSERT_FALSE(b.is_contiguous());
  EXPECT_GRADCHECK([](const Inputs& in) { return matmul(in[0], in[1]); }, {a, b});
}

TEST_P(GradcheckOps, MatmulOfExpandedOperand) {
  KernelsGuard guard(GetParam());
  Generator gen(145);
  EXPECT_GRADCHECK([](const Inputs& in) { return matmul(in[0].expand({3, 2, 4}), in[1]); },
                   {normal({2, 4}, gen), normal({3, 4, 2}, gen)});
}

// ------------------------------------------------------------------ joining and indexing

TEST_P(GradcheckOps, Cat) {
  KernelsGuard guard(GetParam());
  Generator gen(150);
  EXPECT_GRADCHECK([](const Inputs& in) { return cat(in, 0); }, {normal({2, 3}, gen), normal({4, 3}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return cat(in, 1); },
                   {normal({2, 1}, gen), normal({2, 3}, gen), normal({2, 2}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return cat(in, -1); }, {normal({2, 3, 1}, gen), normal({2, 3, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return cat(in, 0); }, {normal({3}, gen), normal({1}, gen), normal({5}, gen)});
}

TEST_P(GradcheckOps, CatWithAnEmptyPiece) {
  KernelsGuard guard(GetParam());
  Generator gen(154);
  // The accumulation check is off here: it is covered (and, for inputs without elements,
  // currently broken) in Gradcheck.HandlesInputsWithoutElements; this test is about cat.
  GradcheckOptions no_accumulation;
  no_accumulation.check_accumulation = false;
  Tensor empty_piece = normal({0, 3}, gen);
  EXPECT_GRADCHECK([](const Inputs& in) { return cat(in, 0); }, {normal({2, 3}, gen), empty_piece}, no_accumulation);
  Tensor full_piece = normal({2, 3}, gen);
  cat({full_piece, empty_piece}, 0).sum().backward();
  ASSERT_TRUE(empty_piece.grad().defined());
  EXPECT_EQ(empty_piece.grad().shape(), (Shape{0, 3}));
}

TEST_P(GradcheckOps, CatWithAnInputThatNeedsNoGrad) {
  KernelsGuard guard(GetParam());
  Generator gen(151);
  Tensor constant = randn({2, 3}, kF64, &gen);
  EXPECT_GRADCHECK([](const Inputs& in) { return cat(in, 0); }, {constant, normal({1, 3}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return cat(in, 1); }, {normal({2, 2}, gen), constant});
  Tensor f32_constant = randn({2, 3}, TensorOptions{}, &gen);  // promoted to f64 in the result
  EXPECT_GRADCHECK([](const Inputs& in) { return cat(in, 1); }, {normal({2, 2}, gen), f32_constant});
}

TEST_P(GradcheckOps, Stack) {
  KernelsGuard guard(GetParam());
  Generator gen(152);
  for (int dim : {0, 1, 2, -1}) {
    SCOPED_TRACE("dim " + std::to_string(dim));
    EXPECT_GRADCHECK([dim](const Inputs& in) { return stack(in, dim); },
                     {normal({2, 3}, gen), normal({2, 3}, gen), normal({2, 3}, gen)});
  }
  EXPECT_GRADCHECK([](const Inputs& in) { return stack(in, 0); }, {normal({}, gen), normal({}, gen)});
}

TEST_P(GradcheckOps, IndexSelectWithRepeatedIndices) {
  KernelsGuard guard(GetParam());
  Generator gen(153);
  Tensor rows = from_vector(std::vector<int64_t>{0, 2, 2, 4, 0}, {5});
  Tensor cols = from_vector(std::vector<int64_t>{2, 2, 1}, {3});
  EXPECT_GRADCHECK([rows](const Inputs& in) { return index_select(in[0], 0, rows); }, {normal({5, 3}, gen)});
  EXPECT_GRADCHECK([cols](const Inputs& in) { return index_select(in[0], 1, cols); }, {normal({5, 3}, gen)});
  EXPECT_GRADCHECK([cols](const Inputs& in) { return index_select(in[0], -1, cols); }, {normal({2, 3, 3}, gen)});
  EXPECT_GRADCHECK([rows](const Inputs& in) { return index_select(in[0], 0, rows); }, {normal({5}, gen)});
  EXPECT_GRADCHECK([rows](const Inputs& in) { return index_select(in[0].t(), 1, rows); }, {normal({5, 3}, gen)});
}

// ------------------------------------------------------------------ views and conversions

TEST_P(GradcheckOps, Reshape) {
  KernelsGuard guard(GetParam());
  Generator gen(160);
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].reshape({5, 3}); }, {normal({3, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].reshape({-1, 2}); }, {normal({2, 3, 1}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].t().reshape({15}); }, {normal({3, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].reshape({}); }, {normal({1, 1}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].reshape({1, 1, 1}); }, {normal({}, gen)});
}

TEST_P(GradcheckOps, View) {
  KernelsGuard guard(GetParam());
  Generator gen(161);
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].view({5, 3}); }, {normal({3, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].view({-1}) * 2.0; }, {normal({3, 1, 5}, gen)});
}

TEST_P(GradcheckOps, Flatten) {
  KernelsGuard guard(GetParam());
  Generator gen(162);
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].flatten(); }, {normal({2, 3, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].flatten(1); }, {normal({2, 3, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].flatten(0, 1); }, {normal({2, 3, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].permute({2, 0, 1}).flatten(1, 2); }, {normal({2, 3, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].flatten(); }, {normal({}, gen)});
}

TEST_P(GradcheckOps, Permute) {
  KernelsGuard guard(GetParam());
  Generator gen(163);
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].permute({2, 0, 1}); }, {normal({2, 3, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].permute({3, 1, 0, 2}); }, {normal({2, 1, 3, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].permute({-1, 0}) * in[1]; },
                   {normal({3, 5}, gen), normal({5, 3}, gen)});
}

TEST_P(GradcheckOps, Transpose) {
  KernelsGuard guard(GetParam());
  Generator gen(164);
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].transpose(0, 2); }, {normal({2, 3, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].transpose(-1, -2); }, {normal({2, 3, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].transpose(1, 1); }, {normal({2, 3}, gen)});
}

TEST_P(GradcheckOps, T) {
  KernelsGuard guard(GetParam());
  Generator gen(165);
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].t(); }, {normal({3, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].t() * in[1]; }, {normal({3, 5}, gen), normal({5, 3}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].t().t(); }, {normal({1, 7}, gen)});
}

TEST_P(GradcheckOps, Narrow) {
  KernelsGuard guard(GetParam());
  Generator gen(166);
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].narrow(0, 1, 2); }, {normal({3, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].narrow(-1, 2, 3); }, {normal({3, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].narrow(1, 4, 1); }, {normal({3, 5}, gen)});
}

TEST_P(GradcheckOps, SliceWithStep) {
  KernelsGuard guard(GetParam());
  Generator gen(167);
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].slice(1, 0, 7, 2); }, {normal({3, 7}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].slice(0, 1, 7, 3); }, {normal({7, 3}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].slice(-1, -4, 100, 2); }, {normal({3, 7}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].slice(0, 0, 5, 2).slice(1, 1, 3); }, {normal({5, 3}, gen)});
}

TEST_P(GradcheckOps, Select) {
  KernelsGuard guard(GetParam());
  Generator gen(168);
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].select(0, 1); }, {normal({3, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].select(1, -1); }, {normal({3, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].select(0, 0); }, {normal({7}, gen)});
}

TEST_P(GradcheckOps, Squeeze) {
  KernelsGuard guard(GetParam());
  Generator gen(169);
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].squeeze(); }, {normal({1, 3, 1, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].squeeze(2); }, {normal({1, 3, 1, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].squeeze(1); }, {normal({1, 3, 1, 5}, gen)});  // no-op
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].squeeze(); }, {normal({1, 1}, gen)});
}

TEST_P(GradcheckOps, Unsqueeze) {
  KernelsGuard guard(GetParam());
  Generator gen(170);
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].unsqueeze(0); }, {normal({3, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].unsqueeze(1); }, {normal({3, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].unsqueeze(-1); }, {normal({3, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].unsqueeze(0); }, {normal({}, gen)});
}

TEST_P(GradcheckOps, Expand) {
  KernelsGuard guard(GetParam());
  Generator gen(171);
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].expand({3, 4}); }, {normal({3, 1}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].expand({2, 3, 5}); }, {normal({3, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].expand({2, -1, 4}); }, {normal({3, 1}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].expand({2, 3}); }, {normal({}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].expand({3, 5}); }, {normal({3, 5}, gen)});
}

TEST_P(GradcheckOps, Contiguous) {
  KernelsGuard guard(GetParam());
  Generator gen(172);
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].t().contiguous(); }, {normal({3, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].expand({2, 3, 5}).contiguous(); }, {normal({3, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].contiguous(); }, {normal({3, 5}, gen)});
}

TEST_P(GradcheckOps, Clone) {
  KernelsGuard guard(GetParam());
  Generator gen(173);
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].clone(); }, {normal({3, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].slice(1, 0, 5, 2).clone(); }, {normal({3, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].clone(); }, {normal({}, gen)});
}

TEST_P(GradcheckOps, ToDtypeRoundTrip) {
  KernelsGuard guard(GetParam());
  Generator gen(174);
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].to(DType::F64); }, {normal({3, 5}, gen)});
  // Through f32 the function is still linear, so a wide step keeps f32 rounding
  // (~1e-7 relative) well below the tolerance while testing both conversions' backward.
  GradcheckOptions wide;
  wide.eps = 1e-2;
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].to(DType::F32).to(DType::F64); }, {normal({3, 5}, gen)}, wide);
  EXPECT_GRADCHECK([](const Inputs& in) { return in[0].t().to(DType::F32).to(DType::F64); },
                   {normal({3, 5}, gen)}, wide);
  EXPECT_GRADCHECK([](const Inputs& in) { return (in[0].to(DType::F32) * 3.0).to(DType::F64); },
                   {normal({2, 3}, gen)}, wide);
}

TEST_P(GradcheckOps, MixedDtypeOperandIsPromoted) {
  KernelsGuard guard(GetParam());
  Generator gen(175);
  Tensor f32_constant = randn({3}, TensorOptions{}, &gen);
  EXPECT_GRADCHECK([f32_constant](const Inputs& in) { return in[0] * f32_constant + f32_constant; },
                   {normal({2, 3}, gen)});
}

TEST_P(GradcheckOps, CompositeExpression) {
  KernelsGuard guard(GetParam());
  Generator gen(176);
  // a small layer: mean over the batch of log(1 + exp(x W + b))
  EXPECT_GRADCHECK(
      [](const Inputs& in) { return mean(log(exp(matmul(in[0], in[1]) + in[2]) + 1.0), {0}); },
      {normal({4, 3}, gen), normal({3, 5}, gen), normal({5}, gen)});
}

// ------------------------------------------------------------------ gradcheck itself

namespace {

// x * 2 with a hand-written backward returning g * factor.
Tensor double_with_backward_factor(const Tensor& x, double factor, const char* name) {
  Tensor out;
  {
    NoGradGuard no_grad;  // only the custom node below is recorded
    out = x * 2.0;
  }
  record(name, {x}, out, {}, [factor](const Tensor& g, const BackwardContext&) -> std::vector<Tensor> {
    return {g * factor};
  });
  return out;
}

}  // namespace

TEST(Gradcheck, FailsForAWrongBackward) {
  Generator gen(200);
  Tensor x = randn({3, 5}, kF64, &gen).requires_grad_();
  ASSERT_EQ(double_with_backward_factor(x, 3.0, "bad_double").grad_fn()->name(), "bad_double");
  GradcheckResult result = gradcheck(
      [](const Inputs& in) { return double_with_backward_factor(in[0], 3.0, "bad_double"); }, {x});
  EXPECT_FALSE(result.ok);
  EXPECT_NE(result.message.find("analytic"), std::string::npos) << result.message;
  EXPECT_GT(result.max_error, 1e-3);
  EXPECT_FALSE(x.grad().defined());  // gradcheck clears the grads it made
}

TEST(Gradcheck, PassesForTheSameCustomOpWithTheRightBackward) {
  Generator gen(201);
  Tensor x = randn({3, 5}, kF64, &gen).requires_grad_();
  GradcheckResult result = gradcheck(
      [](const Inputs& in) { return double_with_backward_factor(in[0], 2.0, "good_double"); }, {x});
  EXPECT_TRUE(result.ok) << result.message;
  EXPECT_LT(result.max_error, 1e-6);
}

TEST(Gradcheck, HandlesInputsWithoutElements) {
  Tensor x = randn({0, 3}, kF64).requires_grad_();
  GradcheckResult result;
  EXPECT_NO_THROW(result = gradcheck([](const Inputs& in) { return in[0] * 2.0; }, {x}));
  EXPECT_TRUE(result.ok) << result.message;
}

TEST(Gradcheck, RejectsF32InputsThatRequireGrad) {
  Tensor x = randn({3}, TensorOptions{}).requires_grad_();
  EXPECT_THROW(gradcheck([](const Inputs& in) { return in[0] * 2.0; }, {x}), std::invalid_argument);
}
