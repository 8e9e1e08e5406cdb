// The autograd engine: graph shapes (diamonds, reuse, long chains), gradient accumulation,
// explicit seeds, retain_graph, grad mode, detach, version checks on saved tensors, views,
// and the errors a user sees when they misuse it.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/ganforge.h"

using namespace ganforge;

namespace {

const TensorOptions kF64 = TensorOptions{}.with_dtype(DType::F64);

std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

void expect_values_near(const Tensor& actual, const std::vector<double>& expected, double tolerance = 1e-12) {
  ASSERT_TRUE(actual.defined());
  std::vector<double> got = values(actual);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], expected[i], tolerance * (1 + std::fabs(expected[i]))) << "element " << i;
}

// Succeeds when f throws an E whose message contains every one of `parts`.
template <class E, class F>
::testing::AssertionResult throws_with(F&& f, std::initializer_list<std::string> parts) {
  try {
    f();
  } catch (const E& e) {
    const std::string message = e.what();
    for (const std::string& part : parts)
      if (message.find(part) == std::string::npos)
        return ::testing::AssertionFailure() << "message \"" << message << "\" does not mention \"" << part << "\"";
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "nothing was thrown";
}

Tensor leaf(const std::vector<double>& data, const Shape& shape) { return from_vector(data, shape).requires_grad_(); }

}  // namespace

// ------------------------------------------------------------------ graph shapes

TEST(Autograd, DiamondGraphSumsBothPaths) {
  const std::vector<double> x0_values{-1.5, -0.3, 0.0, 0.7, 2.0};
  Tensor x0 = leaf(x0_values, {5});
  Tensor x = x0 * 2.0;                  // shared interior node, consumed by both branches
  Tensor a = (exp(x) + 0.0) * 1.0;      // the longer branch
  Tensor b = x * 3.0;                   // the shorter branch
  Tensor c = a * b;                     // c = 3 x e^x
  c.sum().backward();
  // dc/dx0 = 2 * 3 e^x (1 + x), x = 2 x0
  std::vector<double> expected;
  for (double v : x0_values) expected.push_back(2 * 3 * std::exp(2 * v) * (1 + 2 * v));
  expect_values_near(x0.grad(), expected);
}

TEST(Autograd, TensorUsedTwiceGetsBothContributions) {
  const std::vector<double> x_values{-2.0, -0.5, 0.25, 3.0};
  Tensor x = leaf(x_values, {2, 2});
  Tensor y = x * x + x;
  y.sum().backward();
  std::vector<double> expected;
  for (double v : x_values) expected.push_back(2 * v + 1);
  expect_values_near(x.grad(), expected);
}

TEST(Autograd, GradientsAccumulateIntoLeavesAcrossBackwardCalls) {
  const std::vector<double> x_values{1.0, -2.0, 0.5};
  Tensor x = leaf(x_values, {3});
  (x * 3.0).sum().backward();
  expect_values_near(x.grad(), {3, 3, 3});
  (x * x).sum().backward();
  std::vector<double> expected;
  for (double v : x_values) expected.push_back(3 + 2 * v);
  expect_values_near(x.grad(), expected);
}

TEST(Autograd, BackwardWithExplicitGradientForNonScalarOutput) {
  const std::vector<double> x_values{1, 2, 3, -1, -2, -3};
  const std::vector<double> g_values{0.5, -1, 2, 0, 4, -0.25};
  Tensor x = leaf(x_values, {2, 3});
  Tensor y = x * x;
  y.backward(from_vector(g_values, {2, 3}));
  std::vector<double> expected;
  for (size_t i = 0; i < x_values.size(); ++i) expected.push_back(2 * x_values[i] * g_values[i]);
  expect_values_near(x.grad(), expected);
}

TEST(Autograd, ExplicitGradientOfAnotherFloatDtypeIsConverted) {
  Tensor x = leaf({1, 2, 3}, {3});
  Tensor y = x * 2.0;
  y.backward(from_vector(std::vector<float>{1, 2, 3}, {3}));
  EXPECT_EQ(x.grad().dtype(), DType::F64);
  expect_values_near(x.grad(), {2, 4, 6});
}

TEST(Autograd, OneElementOutputOfAnyRankNeedsNoGradient) {
  Tensor x = leaf({1, 2, 3, 4}, {2, 2});
  Tensor y = (x * x).sum({0, 1}, true);  // shape [1, 1]
  ASSERT_EQ(y.shape(), (Shape{1, 1}));
  y.backward();
  expect_values_near(x.grad(), {2, 4, 6, 8});
}

TEST(Autograd, BackwardFromNonScalarWithoutGradientThrowsNamingShape) {
  Tensor x = leaf({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor y = x * 2.0;
  EXPECT_TRUE(throws_with<std::invalid_argument>([&] { y.backward(); }, {"[2, 3]"}));
  EXPECT_FALSE(x.grad().defined());
}

TEST(Autograd, GradientShapeMismatchThrowsNamingBothShapes) {
  Tensor x = leaf({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor y = x * 2.0;
  EXPECT_TRUE(throws_with<std::invalid_argument>([&] { y.backward(ones({3, 2}, kF64)); }, {"[3, 2]", "[2, 3]"}));
  EXPECT_FALSE(x.grad().defined());
}

TEST(Autograd, BackwardOfTensorThatNeedsNoGradThrows) {
  Tensor x = from_vector(std::vector<double>{1, 2}, {2});
  Tensor y = (x * 2.0).sum();
  EXPECT_EQ(y.grad_fn(), nullptr);
  EXPECT_TRUE(throws_with<std::runtime_error>([&] { y.backward(); }, {"does not require grad"}));
}

TEST(Autograd, CustomBackwardReturningWrongShapeThrowsNamingOpAndShapes) {
  Tensor x = leaf({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor out;
  {
    NoGradGuard no_grad;
    out = x * 2.0;
  }
  record("bad_shape", {x}, out, {}, [](const Tensor& g, const BackwardContext&) -> std::vector<Tensor> {
    return {g.sum()};  // shape [] instead of [2, 3]
  });
  EXPECT_TRUE(throws_with<std::logic_error>([&] { out.sum().backward(); }, {"bad_shape", "[]", "[2, 3]"}));
}

// ------------------------------------------------------------------ retain_graph

TEST(Autograd, RetainGraphAllowsSecondBackward) {
  const std::vector<double> x_values{1.5, -2.0, 0.25};
  Tensor x = leaf(x_values, {3});
  Tensor y = (x * x).sum();
  y.backward(Tensor(), /*retain_graph=*/true);
  y.backward();
  std::vector<double> expected;
  for (double v : x_values) expected.push_back(2 * 2 * v);  // two passes of 2x
  expect_values_near(x.grad(), expected);
}

TEST(Autograd, SecondBackwardWithoutRetainGraphThrowsClearly) {
  Tensor x = leaf({1.5, -2.0, 0.25}, {3});
  Tensor y = (exp(x) * x).sum();
  y.backward();
  std::vector<double> first = values(x.grad());
  EXPECT_TRUE(throws_with<std::runtime_error>([&] { y.backward(); }, {"second time", "retain_graph"}));
  // the failed pass did not touch the gradient the first pass left
  expect_values_near(x.grad(), first);
}

TEST(Autograd, ThirdBackwardAfterRetainedThenReleasedGraphThrows) {
  Tensor x = leaf({1.0, 2.0}, {2});
  Tensor y = (x * x).sum();
  y.backward(Tensor(), true);
  y.backward();
  EXPECT_TRUE(throws_with<std::runtime_error>([&] { y.backward(); }, {"second time"}));
}

// ------------------------------------------------------------------ grad mode

TEST(Autograd, NoGradGuardStopsRecordingAndRestoresMode) {
  Tensor x = leaf({1, 2, 3}, {3});
  ASSERT_TRUE(GradMode::enabled());
  {
    NoGradGuard no_grad;
    EXPECT_FALSE(GradMode::enabled());
    Tensor y = x * 2.0;
    EXPECT_FALSE(y.requires_grad());
    EXPECT_EQ(y.grad_fn(), nullptr);
    EXPECT_TRUE(y.is_leaf());
    Tensor z = matmul(x.unsqueeze(0), x.unsqueeze(1));
    EXPECT_FALSE(z.requires_grad());
    EXPECT_EQ(z.grad_fn(), nullptr);
  }
  EXPECT_TRUE(GradMode::enabled());
  Tensor y = x * 2.0;
  EXPECT_TRUE(y.requires_grad());
  ASSERT_NE(y.grad_fn(), nullptr);
}

TEST(Autograd, NestedNoGradGuardsRestoreThePreviousMode) {
  {
    NoGradGuard outer;
    {
      NoGradGuard inner;
      EXPECT_FALSE(GradMode::enabled());
    }
    EXPECT_FALSE(GradMode::enabled());  // the inner guard restores "off", not "on"
  }
  EXPECT_TRUE(GradMode::enabled());
}

TEST(Autograd, OutputComputedUnderNoGradCannotBackward) {
  Tensor x = leaf({1, 2}, {2});
  Tensor y;
  {
    NoGradGuard no_grad;
    y = (x * x).sum();
  }
  EXPECT_TRUE(throws_with<std::runtime_error>([&] { y.backward(); }, {"does not require grad"}));
  EXPECT_FALSE(x.grad().defined());
}

// ------------------------------------------------------------------ detach

TEST(Autograd, DetachCutsTheGraphAndSharesStorage) {
  Tensor x = leaf({1, 2, 3, 4}, {4});
  Tensor y = x * 2.0;
  Tensor d = y.detach();
  EXPECT_FALSE(d.requires_grad());
  EXPECT_EQ(d.grad_fn(), nullptr);
  EXPECT_TRUE(d.is_leaf());
  EXPECT_EQ(d.storage(), y.storage());
  EXPECT_EQ(d.data_ptr(), y.data_ptr());
  EXPECT_EQ(d.shape(), y.shape());
  d.fill_(7.0);  // allowed: d takes no part in autograd
  expect_values_near(y, {7, 7, 7, 7});
}

TEST(Autograd, DetachedFactorGetsNoGradient) {
  const std::vector<double> x_values{1.5, -2.0, 3.0};
  Tensor x = leaf(x_values, {3});
  Tensor z = (x.detach() * x).sum();  // only the second factor is differentiated
  z.backward();
  expect_values_near(x.grad(), x_values);
}

TEST(Autograd, RequiresGradOnIntegerTensorThrows) {
  Tensor i = arange(5);
  ASSERT_EQ(i.dtype(), DType::I64);
  EXPECT_TRUE(throws_with<std::invalid_argument>([&] { i.requires_grad_(); }, {"floating"}));
  EXPECT_FALSE(i.requires_grad());
}

TEST(Autograd, RequiresGradOnNonLeafThrows) {
  Tensor x = leaf({1, 2}, {2});
  Tensor y = x * 2.0;
  EXPECT_TRUE(throws_with<std::invalid_argument>([&] { y.requires_grad_(false); }, {"leaf", "mul_scalar"}));
}

// ------------------------------------------------------------------ in-place changes of saved tensors

TEST(Autograd, InPlaceChangeOfSavedInputMakesBackwardThrow) {
  Tensor x = leaf({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor w = from_vector(std::vector<double>{1, -1, 2, -2, 3, -3}, {2, 3});
  Tensor y = (x * w).sum();  // mul saves x and w
  {
    NoGradGuard no_grad;
    x.mul_(2);
  }
  EXPECT_TRUE(throws_with<std::runtime_error>([&] { y.backward(); }, {"backward of mul", "modified in place"}));
}

TEST(Autograd, InPlaceChangeOfSavedOutputMakesBackwardThrow) {
  Tensor x = leaf({0.5, -1.0, 2.0}, {3});
  Tensor e = exp(x);  // exp saves its output
  Tensor s = e.sum();
  {
    NoGradGuard no_grad;
    e.fill_(1.0);
  }
  EXPECT_TRUE(throws_with<std::runtime_error>([&] { s.backward(); }, {"exp", "modified in place"}));
}

TEST(Autograd, InPlaceChangeThroughDetachedAliasIsDetected) {
  Tensor x = leaf({0.5, -1.0, 2.0}, {3});
  Tensor y = log(x * x);  // log saves its input x*x
  Tensor s = y.sum();
  Tensor alias = x.detach();  // shares x's storage, so shares its version counter
  alias.fill_(3.0);
  EXPECT_TRUE(throws_with<std::runtime_error>([&] { s.backward(); }, {"mul", "modified in place"}));
}

TEST(Autograd, InPlaceChangeOfUnsavedInputDoesNotBlockBackward) {
  Tensor x = leaf({1, 2, 3}, {3});
  Tensor s = x.sum();  // sum saves nothing
  {
    NoGradGuard no_grad;
    x.mul_(2);
  }
  s.backward();
  expect_values_near(x.grad(), {1, 1, 1});
}

TEST(Autograd, InPlaceOpOnTensorThatRequiresGradIsRefusedWithGradModeOn) {
  Tensor x = leaf({1, 2, 3}, {3});
  const uint64_t version = x.version();
  EXPECT_TRUE(throws_with<std::invalid_argument>([&] { x.mul_(2.0); }, {"mul_", "in-place"}));
  EXPECT_EQ(x.version(), version);
  expect_values_near(x, {1, 2, 3});
}

// ------------------------------------------------------------------ views

TEST(Autograd, GradThroughSliceWithStepLandsOnSlicedElements) {
  Tensor x = randn({4, 6}, kF64).requires_grad_();
  Tensor y = x.slice(1, 1, 6, 2);  // columns 1, 3, 5
  ASSERT_EQ(y.shape(), (Shape{4, 3}));
  y.backward(arange(0, 12, 1, kF64).reshape({4, 3}));
  std::vector<double> expected(24, 0.0);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 3; ++j) expected[i * 6 + (2 * j + 1)] = i * 3 + j;
  expect_values_near(x.grad(), expected);
}

TEST(Autograd, GradThroughExpandSumsOverCopies) {
  Tensor x = randn({3, 1}, kF64).requires_grad_();
  Tensor y = x.expand({2, 3, 4});
  y.backward(arange(0, 24, 1, kF64).reshape({2, 3, 4}));
  std::vector<double> expected(3, 0.0);
  for (int b = 0; b < 2; ++b)
    for (int i = 0; i < 3; ++i)
      for (int k = 0; k < 4; ++k) expected[i] += b * 12 + i * 4 + k;
  expect_values_near(x.grad(), expected);
  EXPECT_EQ(x.grad().shape(), (Shape{3, 1}));
}

TEST(Autograd, GradThroughPermuteIsPermutedBack) {
  Tensor x = randn({2, 3, 4}, kF64).requires_grad_();
  Tensor y = x.permute({2, 0, 1});  // [4, 2, 3]
  y.backward(arange(0, 24, 1, kF64).reshape({4, 2, 3}));
  std::vector<double> expected(24);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k) expected[i * 12 + j * 4 + k] = k * 6 + i * 3 + j;  // g[k, i, j]
  expect_values_near(x.grad(), expected);
}

TEST(Autograd, GradThroughReshapeOfTransposedLeaf) {
  Tensor x = randn({3, 4}, kF64).requires_grad_();
  Tensor y = x.t().reshape({2, 6});  // copies: x.t() is not contiguous
  y.backward(arange(0, 12, 1, kF64).reshape({2, 6}));
  std::vector<double> expected(12);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j) expected[i * 4 + j] = j * 3 + i;  // x[i, j] sits at x.t()[j, i]
  expect_values_near(x.grad(), expected);
}

TEST(Autograd, GradThroughSelectAndNarrowHitsOnlyThoseElements) {
  Tensor x = randn({3, 5}, kF64).requires_grad_();
  Tensor y = x.select(0, -2).narrow(0, 1, 3);  // x[1, 1:4]
  (y * from_vector(std::vector<double>{10, 20, 30}, {3})).sum().backward();
  std::vector<double> expected(15, 0.0);
  expected[5 + 1] = 10;
  expected[5 + 2] = 20;
  expected[5 + 3] = 30;
  expect_values_near(x.grad(), expected);
}

TEST(Autograd, OverlappingViewsOfOneLeafAccumulate) {
  Tensor x = randn({4}, kF64).requires_grad_();
  Tensor y = x.slice(0, 0, 3) + x.slice(0, 1, 4);
  y.sum().backward();
  expect_values_near(x.grad(), {1, 2, 2, 1});
}

// ------------------------------------------------------------------ who gets a gradient

TEST(Autograd, NoGradientFlowsToInputsThatDoNotRequireGrad) {
  const std::vector<double> w_values{0.5, -1.5, 2.0};
  Tensor x = leaf({1, 2, 3}, {3});
  Tensor w = from_vector(w_values, {3});
  Tensor m = x * w;
  Tensor y = (m + w).sum();
  ASSERT_NE(m.grad_fn(), nullptr);
  ASSERT_EQ(m.grad_fn()->next.size(), 2u);
  EXPECT_NE(m.grad_fn()->next[0], nullptr);
  EXPECT_EQ(m.grad_fn()->next[1], nullptr);
  y.backward();
  expect_values_near(x.grad(), w_values);
  EXPECT_FALSE(w.grad().defined());
  EXPECT_FALSE(m.grad().defined());  // interior tensors keep no .grad
}

TEST(Autograd, LeafThatDoesNotRequireGradIsUntouchedInMatmul) {
  Tensor a = randn({2, 3}, kF64).requires_grad_();
  Tensor b = randn({3, 4}, kF64);
  matmul(a, b).sum().backward();
  ASSERT_TRUE(a.grad().defined());
  EXPECT_FALSE(b.grad().defined());
  // d sum(AB)/dA[i, k] = sum_j B[k, j]
  std::vector<double> bv = values(b), expected;
  for (int i = 0; i < 2; ++i)
    for (int k = 0; k < 3; ++k) expected.push_back(bv[k * 4] + bv[k * 4 + 1] + bv[k * 4 + 2] + bv[k * 4 + 3]);
  expect_values_near(a.grad(), expected, 1e-10);
}

TEST(Autograd, LeafGradIsIndependentOfTheUpstreamGradient) {
  Tensor x = leaf({1, 2, 3, 4}, {2, 2});
  Tensor g = ones({2, 2}, kF64);
  x.clone().backward(g);  // clone passes g through unchanged
  ASSERT_TRUE(x.grad().defined());
  EXPECT_NE(x.grad().storage(), g.storage());
  g.fill_(5.0);
  expect_values_near(x.grad(), {1, 1, 1, 1});
}

TEST(Autograd, LeafGradIsIndependentWhenBackwardStartsAtTheLeaf) {
  Tensor x = leaf({1, 2, 3}, {3});
  Tensor g = from_vector(std::vector<double>{4, 5, 6}, {3});
  x.backward(g);
  ASSERT_TRUE(x.grad().defined());
  EXPECT_NE(x.grad().storage(), g.storage());
  g.fill_(0.0);
  expect_values_near(x.grad(), {4, 5, 6});
}

TEST(Autograd, LeafGradIsIndependentThroughAView) {
  Tensor x = leaf({1, 2, 3, 4}, {2, 2});
  Tensor g = from_vector(std::vector<double>{1, 2, 3, 4}, {4});
  x.view({4}).backward(g);  // the view's backward reshapes g without copying
  ASSERT_TRUE(x.grad().defined());
  EXPECT_NE(x.grad().storage(), g.storage());
  g.fill_(0.0);
  expect_values_near(x.grad(), {1, 2, 3, 4});
}

TEST(Autograd, OneGradientSentToTwoLeavesGivesEachItsOwnCopy) {
  // add's backward sends one tensor to both inputs: neither leaf may take it as its .grad
  Tensor a = leaf({1, 2}, {2}), b = leaf({3, 4}, {2});
  ((a + b) * 3.0).sum().backward();  // mul's backward makes a fresh gradient for add
  EXPECT_NE(a.grad().storage(), b.grad().storage());
  a.grad().fill_(0.0);
  expect_values_near(b.grad(), {3, 3});
}

TEST(Autograd, AFreshGradientBecomesTheLeafsGradInPlaceOfACopy) {
  // linear's dW is a new contiguous tensor that only the engine holds: it is handed over
  Tensor x = leaf({1, 2, 3, 4, 5, 6}, {2, 3}), w = leaf({1, 0, -1, 2, 1, 0}, {2, 3});
  linear(x, w).sum().backward();
  ASSERT_TRUE(w.grad().defined());
  EXPECT_TRUE(w.grad().is_contiguous());
  EXPECT_EQ(w.grad().storage().use_count(), 1);
  expect_values_near(w.grad(), {5, 7, 9, 5, 7, 9});
  expect_values_near(x.grad(), {3, 1, -1, 3, 1, -1});
}

// ------------------------------------------------------------------ introspection

TEST(Autograd, GradFnNamesTheOp) {
  Tensor x = randn({2, 3}, kF64).requires_grad_();
  Tensor w = randn({3, 2}, kF64).requires_grad_();
  EXPECT_EQ(x.grad_fn(), nullptr);
  EXPECT_TRUE(x.is_leaf());
  EXPECT_EQ((x * x).grad_fn()->name(), "mul");
  EXPECT_EQ(matmul(x, w).grad_fn()->name(), "matmul");
  EXPECT_EQ((x + x).grad_fn()->name(), "add");
  EXPECT_EQ((x - x).grad_fn()->name(), "sub");
  EXPECT_EQ((x / w.t()).grad_fn()->name(), "div");
  EXPECT_EQ((x * 2.0).grad_fn()->name(), "mul_scalar");
  EXPECT_EQ(exp(x).grad_fn()->name(), "exp");
  EXPECT_EQ(x.sum().grad_fn()->name(), "sum");
  EXPECT_EQ(x.mean({1}).grad_fn()->name(), "mean");
  EXPECT_EQ(x.permute({1, 0}).grad_fn()->name(), "permute");
  EXPECT_EQ(cat({x, x}, 0).grad_fn()->name(), "cat");
  Tensor y = x * w.t();
  ASSERT_EQ(y.grad_fn()->next.size(), 2u);
  EXPECT_EQ(y.grad_fn()->next[0]->name(), "accumulate_grad");
  EXPECT_EQ(y.grad_fn()->next[1]->name(), "permute");
}

TEST(Autograd, LeafReusesOneAccumulatorAcrossOps) {
  Tensor x = randn({3}, kF64).requires_grad_();
  Tensor a = x * 2.0, b = exp(x);
  ASSERT_EQ(a.grad_fn()->next.size(), 1u);
  ASSERT_EQ(b.grad_fn()->next.size(), 1u);
  EXPECT_EQ(a.grad_fn()->next[0], b.grad_fn()->next[0]);
}

// ------------------------------------------------------------------ deep graphs

TEST(Autograd, LongChainBackpropagatesWithoutStackOverflow) {
  constexpr int kOps = 10000;
  Tensor x = scalar_tensor(1.0, kF64.with_requires_grad());
  Tensor y = x;
  for (int i = 0; i < kOps; ++i) y = (i % 2 == 0) ? y * 1.0001 : y + 0.5;
  y.backward();
  ASSERT_TRUE(x.grad().defined());
  EXPECT_NEAR(x.grad().item<double>(), std::pow(1.0001, kOps / 2), 1e-9);
}

TEST(Autograd, LongChainOfBinaryOpsBackpropagates) {
  constexpr int kOps = 10000;
  Tensor x = leaf({0.5, -0.25}, {2});
  Tensor c = from_vector(std::vector<double>{1.0, 1.0}, {2});
  Tensor y = x;
  for (int i = 0; i < kOps; ++i) y = y * c + x * 0.0;  // every step also reads the leaf
  y.sum().backward();
  expect_values_near(x.grad(), {1.0, 1.0});
}

// Freeing a graph must not recurse once per node either: a very long chain is built and
// dropped in a child process, so that a stack overflow fails this test instead of
// killing the test binary.
TEST(AutogradDeathTest, DestroyingAVeryLongGraphDoesNotOverflowTheStack) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        {
          Tensor x = scalar_tensor(1.0, kF64.with_requires_grad());
          Tensor y = x;
          for (int i = 0; i < 1000000; ++i) y = y * 1.0;
        }  // the whole chain is released here
        std::exit(0);
      },
      ::testing::ExitedWithCode(0), "");
}
