// Tensor basics: factories, random tensors, dtype promotion, host access, elementwise ops,
// reductions, matmul, joining/indexing, printing and in-place ops. Expected values are small
// hand-computed cases; float comparisons that are not exact carry their tolerance's reason.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <numeric>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/ganforge.h"
#include "kernels/host_backend.h"
#include "tests/core/child_process.h"
#include "tests/core/expect_error.h"

using namespace ganforge;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
const char* const kBackends[] = {"reference", "cpu"};

Tensor f32(const std::vector<float>& v, const Shape& shape) { return from_vector(v, shape); }
Tensor f64(const std::vector<double>& v, const Shape& shape) { return from_vector(v, shape); }
Tensor i64(const std::vector<int64_t>& v, const Shape& shape) { return from_vector(v, shape); }

std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }
std::vector<int64_t> ints(const Tensor& t) { return t.to_vector<int64_t>(); }

// Element-wise closeness; NaN expected means NaN required.
void expect_near(const Tensor& t, const std::vector<double>& expected, double tolerance) {
  std::vector<double> got = values(t);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(expected[i]))
      EXPECT_TRUE(std::isnan(got[i])) << "element " << i << " is " << got[i] << ", expected NaN";
    else
      EXPECT_NEAR(got[i], expected[i], tolerance) << "element " << i;
  }
}

using ganforge::testing::expect_mentions;
using ganforge::testing::message_of;

double sample_mean(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size()); }

double sample_stddev(const std::vector<double>& v) {
  double m = sample_mean(v), squares = 0;
  for (double x : v) squares += (x - m) * (x - m);
  return std::sqrt(squares / static_cast<double>(v.size() - 1));
}

// 0..23 as f32 with shape [2, 3, 4]: element (i, j, k) is 12i + 4j + k.
Tensor block_2x3x4() { return arange(0, 24, 1).reshape({2, 3, 4}); }

}  // namespace

// ================================================================== factories

TEST(Factories, EmptyHasShapeContiguousStridesAndDefaultDtype) {
  Tensor t = empty({2, 3});
  EXPECT_TRUE(t.defined());
  EXPECT_EQ(t.shape(), (Shape{2, 3}));
  EXPECT_EQ(t.strides(), (Shape{3, 1}));
  EXPECT_EQ(t.dim(), 2);
  EXPECT_EQ(t.numel(), 6);
  EXPECT_EQ(t.size(-1), 3);
  EXPECT_EQ(t.offset(), 0);
  EXPECT_EQ(t.dtype(), DType::F32);
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_FALSE(t.requires_grad());
  EXPECT_EQ(t.storage()->bytes(), 6u * 4u);

  Tensor d = empty({4}, TensorOptions{}.with_dtype(DType::F64));
  EXPECT_EQ(d.dtype(), DType::F64);
  EXPECT_EQ(d.storage()->bytes(), 4u * 8u);
}

TEST(Factories, EmptyRejectsNegativeSizeNamingTheShape) {
  std::string msg = message_of<std::invalid_argument>([] { (void)empty({2, -1}); });
  expect_mentions(msg, {"empty", "[2, -1]"});
}

// Linux overcommits, so a host allocation larger than the free memory would succeed and the
// OOM killer end the process later: a large one is refused first, naming the tensor.
TEST(Factories, AnAllocationThatCannotFitNamesTheTensor) {
  std::string msg = message_of<std::bad_alloc>([] { (void)empty({int64_t{1} << 20, int64_t{1} << 20}); });  // 4 TiB
  expect_mentions(msg, {"cannot allocate 4096.0 GiB", "f32 tensor of shape [1048576, 1048576] on cpu", "GiB of memory is available"});
  msg = message_of<std::bad_alloc>([] { (void)empty({int64_t{1} << 40, int64_t{1} << 40}, TensorOptions{}.with_dtype(DType::F64)); });
  expect_mentions(msg, {"f64 tensor of shape [1099511627776, 1099511627776]", "overflows"});
  EXPECT_EQ(empty({int64_t{1} << 24}).storage()->bytes(), size_t{64} << 20);  // 64 MiB: checked, and it fits
}

#if !defined(__SANITIZE_ADDRESS__)  // the host block cache is off under AddressSanitizer
TEST(Factories, AFreedLargeTensorsMemoryServesTheNextOneOfItsSize) {
  kernels::release_cached_host_memory();
  void* first = nullptr;
  {
    Tensor t = empty({1 << 18});  // 1 MiB
    first = t.data_ptr();
  }
  EXPECT_EQ(kernels::cached_host_memory(), size_t{1} << 20);
  Tensor again = empty({1 << 18});
  EXPECT_EQ(again.data_ptr(), first);
  EXPECT_EQ(kernels::cached_host_memory(), 0u);
  { Tensor small = empty({1000}); }  // small blocks go back to malloc
  EXPECT_EQ(kernels::cached_host_memory(), 0u);
  { Tensor other = empty({1 << 16}); }
  EXPECT_GT(available_host_memory(), kernels::cached_host_memory());
  kernels::release_cached_host_memory();
  EXPECT_EQ(kernels::cached_host_memory(), 0u);
}
#endif

TEST(Factories, ZerosOnesFullFillEveryElement) {
  EXPECT_EQ(values(zeros({2, 2})), (std::vector<double>{0, 0, 0, 0}));

  Tensor o = ones({3}, TensorOptions{}.with_dtype(DType::I64));
  EXPECT_EQ(o.dtype(), DType::I64);
  EXPECT_EQ(ints(o), (std::vector<int64_t>{1, 1, 1}));

  Tensor f = full({2}, 2.5, TensorOptions{}.with_dtype(DType::F64));
  EXPECT_EQ(f.dtype(), DType::F64);
  EXPECT_EQ(values(f), (std::vector<double>{2.5, 2.5}));

  Tensor s = full({}, -3);
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.item<float>(), -3.0f);
}

TEST(Factories, LikeFactoriesCopyShapeAndDtypeButNotRequiresGrad) {
  Tensor x = i64({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor z = zeros_like(x), o = ones_like(x), f = full_like(x, 7), e = empty_like(x);
  for (const Tensor& t : {z, o, f, e}) {
    EXPECT_EQ(t.shape(), (Shape{2, 3}));
    EXPECT_EQ(t.dtype(), DType::I64);
    EXPECT_FALSE(t.storage() == x.storage());
  }
  EXPECT_EQ(ints(z), (std::vector<int64_t>(6, 0)));
  EXPECT_EQ(ints(o), (std::vector<int64_t>(6, 1)));
  EXPECT_EQ(ints(f), (std::vector<int64_t>(6, 7)));

  Tensor w = ones({2}, TensorOptions{}.with_requires_grad());
  EXPECT_FALSE(zeros_like(w).requires_grad());
}

TEST(Factories, RequiresGradOptionIsOnlyForFloatingDtypes) {
  Tensor w = zeros({2}, TensorOptions{}.with_requires_grad());
  EXPECT_TRUE(w.requires_grad());
  EXPECT_TRUE(w.is_leaf());
  EXPECT_THROW((void)zeros({2}, TensorOptions{}.with_dtype(DType::I64).with_requires_grad()), std::invalid_argument);
  Tensor n = i64({1}, {1});
  EXPECT_THROW(n.requires_grad_(), std::invalid_argument);
}

TEST(Factories, ArangeOfCountIsInt64) {
  Tensor a = arange(5);
  EXPECT_EQ(a.dtype(), DType::I64);
  EXPECT_EQ(a.shape(), (Shape{5}));
  EXPECT_EQ(ints(a), (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(arange(0).numel(), 0);
}

TEST(Factories, ArangeWithBoundsIsFloat32AndExcludesEnd) {
  Tensor a = arange(0, 1, 0.25);
  EXPECT_EQ(a.dtype(), DType::F32);
  EXPECT_EQ(values(a), (std::vector<double>{0, 0.25, 0.5, 0.75}));
  EXPECT_EQ(values(arange(1, 2.5)), (std::vector<double>{1, 2}));    // ceil(1.5) = 2 elements
  EXPECT_EQ(values(arange(5, 0, -2)), (std::vector<double>{5, 3, 1}));  // negative step counts down
  EXPECT_EQ(arange(3, 0).numel(), 0);                                  // empty range, not an error
  Tensor d = arange(0, 3, 1, TensorOptions{}.with_dtype(DType::F64));
  EXPECT_EQ(d.dtype(), DType::F64);
  EXPECT_EQ(values(d), (std::vector<double>{0, 1, 2}));
}

TEST(Factories, ArangeRejectsZeroStepAndNonFiniteBounds) {
  expect_mentions(message_of<std::invalid_argument>([] { (void)arange(0, 3, 0); }), {"arange", "step"});
  EXPECT_THROW((void)arange(0, std::numeric_limits<double>::infinity()), std::invalid_argument);
  EXPECT_THROW((void)arange(kNaN, 3), std::invalid_argument);
}

TEST(Factories, FromVectorKeepsValuesShapeAndDtype) {
  Tensor a = f32({1.5f, -2.0f, 3.25f, 0.0f}, {2, 2});
  EXPECT_EQ(a.dtype(), DType::F32);
  EXPECT_EQ(a.shape(), (Shape{2, 2}));
  EXPECT_EQ(a.to_vector<float>(), (std::vector<float>{1.5f, -2.0f, 3.25f, 0.0f}));

  Tensor b = f64({0.1, 0.2, 0.3}, {3});
  EXPECT_EQ(b.dtype(), DType::F64);
  EXPECT_EQ(b.to_vector<double>(), (std::vector<double>{0.1, 0.2, 0.3}));  // f64 keeps every bit

  // 2^53 + 1 is not a double: an i64 tensor must not round-trip through double
  Tensor c = i64({-7, 9007199254740993}, {2});
  EXPECT_EQ(c.dtype(), DType::I64);
  EXPECT_EQ(ints(c), (std::vector<int64_t>{-7, 9007199254740993}));
}

TEST(Factories, FromVectorConvertsToTheRequestedDtype) {
  Tensor a = from_vector(std::vector<float>{1.5f, 2.5f}, {2}, TensorOptions{}.with_dtype(DType::F64));
  EXPECT_EQ(a.dtype(), DType::F64);
  EXPECT_EQ(values(a), (std::vector<double>{1.5, 2.5}));
  Tensor b = from_vector(std::vector<int64_t>{1, 2}, {2}, TensorOptions{});
  EXPECT_EQ(b.dtype(), DType::F32);
  EXPECT_EQ(values(b), (std::vector<double>{1, 2}));
  Tensor c = from_vector(std::vector<float>{1, 2}, {2}, TensorOptions{}.with_requires_grad());
  EXPECT_TRUE(c.requires_grad());
}

TEST(Factories, FromVectorSizeMismatchNamesCountAndShape) {
  std::string msg = message_of<std::invalid_argument>([] { (void)f32({1, 2, 3}, {2, 2}); });
  expect_mentions(msg, {"from_vector", "3 values", "[2, 2]"});
  EXPECT_THROW((void)f64({1, 2, 3, 4, 5}, {2, 2}), std::invalid_argument);
  EXPECT_THROW((void)i64({1}, {3}), std::invalid_argument);
  EXPECT_THROW((void)f32({}, {}), std::invalid_argument);  // a 0-d tensor holds one element
}

TEST(Factories, ScalarTensorIsZeroDimWithOneElement) {
  Tensor s = scalar_tensor(2.5);
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.shape(), Shape{});
  EXPECT_EQ(s.numel(), 1);
  EXPECT_EQ(s.dtype(), DType::F32);
  EXPECT_EQ(s.item<float>(), 2.5f);
  Tensor d = scalar_tensor(-1, TensorOptions{}.with_dtype(DType::I64));
  EXPECT_EQ(d.dtype(), DType::I64);
  EXPECT_EQ(d.item<int64_t>(), -1);
}

// ================================================================== random

TEST(Random, RandIsInHalfOpenRangeAndCentred) {
  Generator g(123);
  std::vector<double> u = values(rand({10000}, {}, &g));
  for (double v : u) {
    ASSERT_GE(v, 0.0);
    ASSERT_LT(v, 1.0);
  }
  // U(0,1) has stddev 0.2887; the mean of 10^4 draws has stddev 0.0029, so 0.015 is 5 sigma
  EXPECT_NEAR(sample_mean(u), 0.5, 0.015);

  std::vector<double> w = values(rand({10000}, TensorOptions{}.with_dtype(DType::F64), &g, -2, 3));
  for (double v : w) {
    ASSERT_GE(v, -2.0);
    ASSERT_LT(v, 3.0);
  }
  // U(-2,3): mean 0.5, stddev 1.443; the mean's stddev is 0.0144, 0.075 is 5 sigma
  EXPECT_NEAR(sample_mean(w), 0.5, 0.075);
}

TEST(Random, RandnHasRequestedMeanAndStddev) {
  Generator g(2024);
  for (DType dtype : {DType::F32, DType::F64}) {
    std::vector<double> z = values(randn({20000}, TensorOptions{}.with_dtype(dtype), &g));
    // n = 20000: the sample mean has stddev 0.0071 and the sample stddev about 0.005; 0.04 is > 5 sigma
    EXPECT_NEAR(sample_mean(z), 0.0, 0.04);
    EXPECT_NEAR(sample_stddev(z), 1.0, 0.04);
    std::vector<double> s = values(randn({20000}, TensorOptions{}.with_dtype(dtype), &g, 3, 0.5));
    // the same draws scaled by 0.5: tolerances halve
    EXPECT_NEAR(sample_mean(s), 3.0, 0.02);
    EXPECT_NEAR(sample_stddev(s), 0.5, 0.02);
  }
}

TEST(Random, SameSeedGivesSameNumbersAndOtherSeedsDiffer) {
  Generator a(7), b(7), c(8);
  std::vector<double> ra = values(rand({16}, {}, &a)), rb = values(rand({16}, {}, &b)), rc = values(rand({16}, {}, &c));
  EXPECT_EQ(ra, rb);
  EXPECT_NE(ra, rc);
  EXPECT_EQ(values(randn({9}, {}, &a)), values(randn({9}, {}, &b)));
  EXPECT_EQ(ints(randint(0, 1000, {9}, TensorOptions{}.with_dtype(DType::I64), &a)),
            ints(randint(0, 1000, {9}, TensorOptions{}.with_dtype(DType::I64), &b)));
  // the next call continues the stream instead of repeating it
  EXPECT_NE(values(rand({16}, {}, &a)), ra);
}

TEST(Random, ResultsDoNotDependOnTheBackend) {
  std::vector<std::vector<double>> draws;
  for (const char* name : kBackends) {
    KernelsGuard guard(name);
    Generator g(11);
    std::vector<double> all = values(rand({7}, {}, &g));
    std::vector<double> n = values(randn({5}, TensorOptions{}.with_dtype(DType::F64), &g));
    std::vector<double> r = values(randint(-3, 3, {6}, TensorOptions{}.with_dtype(DType::I64), &g));
    all.insert(all.end(), n.begin(), n.end());
    all.insert(all.end(), r.begin(), r.end());
    draws.push_back(all);
  }
  EXPECT_EQ(draws[0], draws[1]);
}

TEST(Random, ManualSeedResetsTheDefaultGenerator) {
  manual_seed(99);
  std::vector<double> x = values(rand({16}));
  manual_seed(99);
  EXPECT_EQ(values(rand({16})), x);
  Generator g(99);
  EXPECT_EQ(values(rand({16}, {}, &g)), x);
}

TEST(Random, RandintStaysInRangeAndHitsEveryValue) {
  Generator g(5);
  Tensor r = randint(-2, 3, {1000}, TensorOptions{}.with_dtype(DType::I64), &g);
  EXPECT_EQ(r.dtype(), DType::I64);
  std::set<int64_t> seen;
  for (int64_t v : ints(r)) {
    ASSERT_GE(v, -2);
    ASSERT_LT(v, 3);
    seen.insert(v);
  }
  EXPECT_EQ(seen.size(), 5u);  // a value missing from 1000 draws has probability 5 * 0.8^1000
}

TEST(Random, RandintIntoFloatTensorGivesWholeNumbersInRange) {
  for (const char* name : kBackends) {
    SCOPED_TRACE(name);
    KernelsGuard guard(name);
    Generator g(3);
    Tensor r = randint(0, 10, {200}, TensorOptions{}.with_dtype(DType::F32), &g);
    EXPECT_EQ(r.dtype(), DType::F32);
    for (double v : values(r)) {
      ASSERT_EQ(v, std::trunc(v));
      ASSERT_GE(v, 0.0);
      ASSERT_LT(v, 10.0);
    }
  }
}

// "each fill takes a fresh counter range": two consecutive fills from one generator must not
// reuse Philox counters, so no value of the second fill may repeat one of the first (with
// 2^24 possible values a chance repeat among 64 pairs has probability < 4e-6).
TEST(Random, ConsecutiveRandintFillsUseFreshCounters) {
  for (DType dtype : {DType::I64, DType::F64, DType::F32}) {
    SCOPED_TRACE(dtype_name(dtype));
    Generator g(5);
    std::vector<double> a = values(randint(0, 1 << 24, {8}, TensorOptions{}.with_dtype(dtype), &g));
    std::vector<double> b = values(randint(0, 1 << 24, {8}, TensorOptions{}.with_dtype(dtype), &g));
    int repeats = 0;
    for (double x : a)
      for (double y : b) repeats += x == y;
    EXPECT_EQ(repeats, 0) << "first fill " << ::testing::PrintToString(a) << ", second " << ::testing::PrintToString(b);
  }
}

TEST(Random, RandRejectsIntegerDtypeAndRandintRejectsEmptyRange) {
  EXPECT_THROW((void)rand({2}, TensorOptions{}.with_dtype(DType::I64)), std::invalid_argument);
  EXPECT_THROW((void)randn({2}, TensorOptions{}.with_dtype(DType::I64)), std::invalid_argument);
  expect_mentions(message_of<std::invalid_argument>([] { (void)randint(3, 3, {2}); }), {"randint", "[3, 3)"});
}

TEST(Random, RandpermIsAPermutationAndDeterministic) {
  Generator g(17), h(17);
  Tensor p = randperm(20, &g);
  EXPECT_EQ(p.dtype(), DType::I64);
  EXPECT_EQ(p.shape(), (Shape{20}));
  std::vector<int64_t> v = ints(p), sorted = v, identity(20);
  std::iota(identity.begin(), identity.end(), 0);
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, identity);
  EXPECT_NE(v, identity);  // the identity has probability 1/20!
  EXPECT_EQ(ints(randperm(20, &h)), v);
  EXPECT_EQ(randperm(0, &g).numel(), 0);
  EXPECT_THROW((void)randperm(-1, &g), std::invalid_argument);
}

// ================================================================== dtypes

TEST(DTypes, AddPromotesInt64ToFloat32ToFloat64) {
  Tensor i = i64({1, 2}, {2});
  Tensor f = f32({0.5f, 0.25f}, {2});
  Tensor d = f64({0.125, 4}, {2});
  EXPECT_EQ(add(i, i).dtype(), DType::I64);
  EXPECT_EQ(ints(add(i, i)), (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(add(i, f).dtype(), DType::F32);
  EXPECT_EQ(add(f, i).dtype(), DType::F32);
  EXPECT_EQ(values(add(i, f)), (std::vector<double>{1.5, 2.25}));
  EXPECT_EQ(add(f, d).dtype(), DType::F64);
  EXPECT_EQ(values(add(f, d)), (std::vector<double>{0.625, 4.25}));
  EXPECT_EQ(add(i, d).dtype(), DType::F64);
  EXPECT_EQ(values(add(d, i)), (std::vector<double>{1.125, 6}));
}

TEST(DTypes, IntegerArithmeticIsExactBeyondDoublePrecision) {
  for (const char* name : kBackends) {
    SCOPED_TRACE(name);
    KernelsGuard guard(name);
    Tensor big = i64({9007199254740993, -9007199254740993}, {2});  // +-(2^53 + 1)
    EXPECT_EQ(ints(add(big, i64({1, -1}, {2}))), (std::vector<int64_t>{9007199254740994, -9007199254740994}));
    EXPECT_EQ(ints(sum(big)), (std::vector<int64_t>{0}));
    EXPECT_EQ(ints(sum(i64({9007199254740993, 2}, {2}))), (std::vector<int64_t>{9007199254740995}));
  }
}

TEST(DTypes, DivOfIntegersIsTrueDivisionInFloat32) {
  Tensor q = div(i64({7, -7, 1}, {3}), i64({2, 2, 4}, {3}));
  EXPECT_EQ(q.dtype(), DType::F32);
  EXPECT_EQ(values(q), (std::vector<double>{3.5, -3.5, 0.25}));
  Tensor r = i64({7}, {1}) / 2.0;
  EXPECT_EQ(r.dtype(), DType::F32);
  EXPECT_EQ(r.item<float>(), 3.5f);
  Tensor s = 1.0 / i64({4}, {1});
  EXPECT_EQ(s.dtype(), DType::F32);
  EXPECT_EQ(s.item<float>(), 0.25f);
}

TEST(DTypes, ComparisonsGiveOneOrZeroInThePromotedDtype) {
  Tensor a = i64({1, 2, 3}, {3});
  Tensor b = f32({2, 2, 2}, {3});
  for (const Tensor& t : {lt(a, b), le(a, b), gt(a, b), ge(a, b), eq(a, b), ne(a, b)}) EXPECT_EQ(t.dtype(), DType::F32);
  EXPECT_EQ(values(lt(a, b)), (std::vector<double>{1, 0, 0}));
  EXPECT_EQ(values(le(a, b)), (std::vector<double>{1, 1, 0}));
  EXPECT_EQ(values(gt(a, b)), (std::vector<double>{0, 0, 1}));
  EXPECT_EQ(values(ge(a, b)), (std::vector<double>{0, 1, 1}));
  EXPECT_EQ(values(eq(a, b)), (std::vector<double>{0, 1, 0}));
  EXPECT_EQ(values(ne(a, b)), (std::vector<double>{1, 0, 1}));

  Tensor same = eq(a, i64({1, 0, 3}, {3}));
  EXPECT_EQ(same.dtype(), DType::I64);
  EXPECT_EQ(ints(same), (std::vector<int64_t>{1, 0, 1}));
  EXPECT_EQ(gt(f64({1}, {1}), b.narrow(0, 0, 1)).dtype(), DType::F64);
  // NaN compares unequal to everything, itself included
  Tensor n = f32({static_cast<float>(kNaN)}, {1});
  EXPECT_EQ(values(eq(n, n)), (std::vector<double>{0}));
  EXPECT_EQ(values(ne(n, n)), (std::vector<double>{1}));
}

TEST(DTypes, ScalarOpsKeepIntegersOnlyWhenTheResultIsIntegral) {
  Tensor i = i64({3}, {1});
  EXPECT_EQ((i + 2.0).dtype(), DType::I64);
  EXPECT_EQ((i + 2.0).item<int64_t>(), 5);
  EXPECT_EQ((i * 2.0).dtype(), DType::I64);
  EXPECT_EQ((i * 0.5).dtype(), DType::F32);
  EXPECT_EQ((i * 0.5).item<float>(), 1.5f);
  EXPECT_EQ((i + 0.25).item<float>(), 3.25f);
  EXPECT_EQ((10.0 - i).item<int64_t>(), 7);
  EXPECT_EQ(exp(i).dtype(), DType::F32);
}

TEST(DTypes, ToConvertsAndTruncatesTowardZeroForIntegers) {
  Tensor x = f32({1.5f, -2.5f, 3.0f}, {3});
  Tensor d = x.to(DType::F64);
  EXPECT_EQ(d.dtype(), DType::F64);
  EXPECT_EQ(values(d), (std::vector<double>{1.5, -2.5, 3.0}));
  EXPECT_EQ(ints(x.to(DType::I64)), (std::vector<int64_t>{1, -2, 3}));
  EXPECT_TRUE(x.to(DType::F32).same(x));  // no conversion, no copy
}

// ================================================================== host access

TEST(HostAccess, ItemReadsTheSingleElement) {
  EXPECT_EQ(scalar_tensor(4.5).item<float>(), 4.5f);
  EXPECT_EQ(f32({-1.25f}, {1, 1}).item<double>(), -1.25);
  EXPECT_EQ(i64({7}, {1}).item<int64_t>(), 7);
  EXPECT_EQ(i64({7}, {1}).item<double>(), 7.0);
}

TEST(HostAccess, ItemOnSeveralElementsThrowsNamingTheShape) {
  Tensor x = zeros({2, 3});
  expect_mentions(message_of<std::invalid_argument>([&] { (void)x.item<float>(); }), {"item", "[2, 3]"});
  EXPECT_THROW((void)zeros({0}).item<float>(), std::invalid_argument);
}

TEST(HostAccess, ToVectorConvertsDtypeAndReadsViewsInLogicalOrder) {
  EXPECT_EQ(i64({1, 2, 3}, {3}).to_vector<float>(), (std::vector<float>{1, 2, 3}));
  Tensor m = f32({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(m.t().to_vector<float>(), (std::vector<float>{1, 4, 2, 5, 3, 6}));
  EXPECT_EQ(m.select(1, 2).to_vector<double>(), (std::vector<double>{3, 6}));
}

TEST(HostAccess, UndefinedTensorIsReportedNotDereferenced) {
  Tensor t;
  EXPECT_FALSE(t.defined());
  EXPECT_THROW((void)t.shape(), std::logic_error);
  EXPECT_THROW((void)t.numel(), std::logic_error);
  std::ostringstream os;
  os << t;
  EXPECT_EQ(os.str(), "tensor(undefined)");
}

// ================================================================== elementwise

TEST(Elementwise, AddSubMulDivValues) {
  for (const char* name : kBackends) {
    SCOPED_TRACE(name);
    KernelsGuard guard(name);
    Tensor a = f32({1, -2, 3, 0.5}, {4});
    Tensor b = f32({4, 0.5, -2, 2}, {4});
    // every result below is exactly representable, so the comparisons are exact
    EXPECT_EQ(values(add(a, b)), (std::vector<double>{5, -1.5, 1, 2.5}));
    EXPECT_EQ(values(sub(a, b)), (std::vector<double>{-3, -2.5, 5, -1.5}));
    EXPECT_EQ(values(mul(a, b)), (std::vector<double>{4, -1, -6, 1}));
    EXPECT_EQ(values(div(a, b)), (std::vector<double>{0.25, -4, -1.5, 0.25}));
    EXPECT_EQ(values(a + b), values(add(a, b)));
    EXPECT_EQ(values(a - b), values(sub(a, b)));
    EXPECT_EQ(values(a * b), values(mul(a, b)));
    EXPECT_EQ(values(a / b), values(div(a, b)));
    EXPECT_EQ(values(a * 2.0), (std::vector<double>{2, -4, 6, 1}));
    EXPECT_EQ(values(1.0 - a), (std::vector<double>{0, 3, -2, 0.5}));
    EXPECT_EQ(values(a / 4.0), (std::vector<double>{0.25, -0.5, 0.75, 0.125}));
    EXPECT_EQ(values(2.0 / b), (std::vector<double>{0.5, 4, -1, 1}));
  }
}

TEST(Elementwise, DivisionByZeroFollowsIeee) {
  for (const char* name : kBackends) {
    SCOPED_TRACE(name);
    KernelsGuard guard(name);
    std::vector<double> q = values(div(f32({1, -1, 0}, {3}), zeros({3})));
    EXPECT_EQ(q[0], std::numeric_limits<double>::infinity());
    EXPECT_EQ(q[1], -std::numeric_limits<double>::infinity());
    EXPECT_TRUE(std::isnan(q[2]));
  }
}

TEST(Elementwise, PowValues) {
  for (const char* name : kBackends) {
    SCOPED_TRACE(name);
    KernelsGuard guard(name);
    Tensor x = f32({2, 3, 4, 9}, {4});
    // the exact results are floats; 1e-5 allows a float pow that is not correctly rounded
    expect_near(pow(x, f32({3, 2, 0.5, 0.5}, {4})), {8, 9, 2, 3}, 1e-5);
    EXPECT_EQ(values(pow(x, 2.0)), (std::vector<double>{4, 9, 16, 81}));
    // 1/3 and 1/9 are rounded to float: 1e-6 is a few float ulps at these magnitudes
    expect_near(pow(x, -1.0), {0.5, 1.0 / 3, 0.25, 1.0 / 9}, 1e-6);
    EXPECT_EQ(values(pow(x, 0.0)), (std::vector<double>{1, 1, 1, 1}));
  }
}

TEST(Elementwise, MinimumAndMaximumPropagateNaN) {
  for (const char* name : kBackends) {
    SCOPED_TRACE(name);
    KernelsGuard guard(name);
    float nan = std::numeric_limits<float>::quiet_NaN();
    Tensor a = f32({1, 5, nan, 2, -1}, {5});
    Tensor b = f32({3, 4, 0, nan, -1}, {5});
    expect_near(minimum(a, b), {1, 4, kNaN, kNaN, -1}, 0);
    expect_near(maximum(a, b), {3, 5, kNaN, kNaN, -1}, 0);
    EXPECT_EQ(ints(maximum(i64({1, 8}, {2}), i64({4, 2}, {2}))), (std::vector<int64_t>{4, 8}));
  }
}

TEST(Elementwise, NegAbsExpLogSqrtValues) {
  for (const char* name : kBackends) {
    SCOPED_TRACE(name);
    KernelsGuard guard(name);
    EXPECT_EQ(values(neg(f32({1, -2, 0}, {3}))), (std::vector<double>{-1, 2, 0}));
    EXPECT_EQ(values(-f32({3}, {1})), (std::vector<double>{-3}));
    EXPECT_EQ(values(abs(f32({-2, 0, 3.5}, {3}))), (std::vector<double>{2, 0, 3.5}));
    Tensor ai = abs(i64({-3, 4}, {2}));
    EXPECT_EQ(ai.dtype(), DType::I64);
    EXPECT_EQ(ints(ai), (std::vector<int64_t>{3, 4}));
    // f32 results: relative rounding 6e-8, so 1e-6 absolute is generous for values below 3
    expect_near(exp(f32({0, 1, -1}, {3})), {1, std::exp(1.0), std::exp(-1.0)}, 1e-6);
    expect_near(log(f32({1, 0.5, 2}, {3})), {0, std::log(0.5), std::log(2.0)}, 1e-6);
    EXPECT_EQ(values(sqrt(f32({4, 9, 0}, {3}))), (std::vector<double>{2, 3, 0}));  // sqrt is correctly rounded
    expect_near(sqrt(f32({2}, {1})), {std::sqrt(2.0)}, 1e-6);
    // outside the domain: IEEE results
    std::vector<double> bad = values(log(f32({-1, 0}, {2})));
    EXPECT_TRUE(std::isnan(bad[0]));
    EXPECT_EQ(bad[1], -std::numeric_limits<double>::infinity());
    EXPECT_TRUE(std::isnan(values(sqrt(f32({-1}, {1})))[0]));
    // f64 keeps double precision: 1e-15 is a few ulps of e
    expect_near(exp(f64({1}, {1})), {std::exp(1.0)}, 1e-15);
  }
}

TEST(Elementwise, ClampLimitsValuesAndKeepsNaN) {
  for (const char* name : kBackends) {
    SCOPED_TRACE(name);
    KernelsGuard guard(name);
    float nan = std::numeric_limits<float>::quiet_NaN();
    expect_near(clamp(f32({-2, 0.25, 3, nan, 1}, {5}), 0, 1), {0, 0.25, 1, kNaN, 1}, 0);
    Tensor ci = clamp(i64({-5, 2, 9}, {3}), 0, 5);
    EXPECT_EQ(ci.dtype(), DType::I64);
    EXPECT_EQ(ints(ci), (std::vector<int64_t>{0, 2, 5}));
    Tensor cf = clamp(i64({-5, 2, 9}, {3}), -0.5, 4.5);  // fractional limits: the result is f32
    EXPECT_EQ(cf.dtype(), DType::F32);
    EXPECT_EQ(values(cf), (std::vector<double>{-0.5, 2, 4.5}));
  }
}

TEST(Elementwise, ClampWithLowAboveHighThrows) {
  Tensor x = zeros({2});
  expect_mentions(message_of<std::invalid_argument>([&] { (void)clamp(x, 1, 0); }), {"clamp"});
}

TEST(Elementwise, WhereSelectsByConditionWithBroadcasting) {
  for (const char* name : kBackends) {
    SCOPED_TRACE(name);
    KernelsGuard guard(name);
    Tensor cond = f32({1, 0, 2, 0}, {4});
    Tensor a = f32({1, 2, 3, 4}, {4});
    Tensor b = f32({10, 20, 30, 40}, {4});
    EXPECT_EQ(values(where(cond, a, b)), (std::vector<double>{1, 20, 3, 40}));
    EXPECT_EQ(values(where(i64({0, 1, 1, 0}, {4}), a, b)), (std::vector<double>{10, 2, 3, 40}));
    // cond [2,1], a [1,3], b 0-d -> [2,3]
    Tensor w = where(i64({1, 0}, {2, 1}), f32({1, 2, 3}, {1, 3}), scalar_tensor(-1));
    EXPECT_EQ(w.shape(), (Shape{2, 3}));
    EXPECT_EQ(values(w), (std::vector<double>{1, 2, 3, -1, -1, -1}));
    // a and b promote like a binary op
    Tensor p = where(f32({1, 0}, {2}), i64({5, 6}, {2}), f64({0.5, 0.25}, {2}));
    EXPECT_EQ(p.dtype(), DType::F64);
    EXPECT_EQ(values(p), (std::vector<double>{5, 0.25}));
  }
}

// ================================================================== reductions

TEST(Reductions, SumOverAnySetOfDims) {
  for (const char* name : kBackends) {
    SCOPED_TRACE(name);
    KernelsGuard guard(name);
    Tensor x = block_2x3x4();  // x[i][j][k] = 12i + 4j + k
    Tensor all = sum(x);
    EXPECT_EQ(all.dim(), 0);
    EXPECT_EQ(all.item<float>(), 276.0f);

    Tensor s0 = sum(x, {0});  // 12 + 2(4j + k)
    EXPECT_EQ(s0.shape(), (Shape{3, 4}));
    EXPECT_EQ(values(s0), (std::vector<double>{12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34}));

    Tensor s1 = sum(x, {1}, true);  // 36i + 12 + 3k
    EXPECT_EQ(s1.shape(), (Shape{2, 1, 4}));
    EXPECT_EQ(values(s1), (std::vector<double>{12, 15, 18, 21, 48, 51, 54, 57}));

    Tensor s02 = sum(x, {0, 2});  // 60 + 32j
    EXPECT_EQ(s02.shape(), (Shape{3}));
    EXPECT_EQ(values(s02), (std::vector<double>{60, 92, 124}));

    Tensor last = x.sum({-1});  // 48i + 16j + 6
    EXPECT_EQ(last.shape(), (Shape{2, 3}));
    EXPECT_EQ(values(last), (std::vector<double>{6, 22, 38, 54, 70, 86}));

    EXPECT_EQ(values(sum(x, {-1, -3}, true)), (std::vector<double>{60, 92, 124}));
    EXPECT_EQ(sum(x, {-1, -3}, true).shape(), (Shape{1, 3, 1}));
    Tensor every = sum(x, {0, 1, 2}, true);
    EXPECT_EQ(every.shape(), (Shape{1, 1, 1}));
    EXPECT_EQ(every.item<double>(), 276.0);
    EXPECT_EQ(sum(x, {2, 0, 1}).dim(), 0);
    EXPECT_EQ(sum(x, {}, true).shape(), (Shape{1, 1, 1}));  // no dims: all of them
    EXPECT_EQ(sum(i64({1, 2, 3}, {3})).dtype(), DType::I64);
  }
}

TEST(Reductions, MeanOverDimsAndAll) {
  for (const char* name : kBackends) {
    SCOPED_TRACE(name);
    KernelsGuard guard(name);
    Tensor x = block_2x3x4();
    EXPECT_EQ(mean(x).item<float>(), 11.5f);
    Tensor m1 = x.mean({1});  // 12i + 4 + k
    EXPECT_EQ(m1.shape(), (Shape{2, 4}));
    EXPECT_EQ(values(m1), (std::vector<double>{4, 5, 6, 7, 16, 17, 18, 19}));
    Tensor m0 = mean(x, {0}, true);  // 6 + 4j + k
    EXPECT_EQ(m0.shape(), (Shape{1, 3, 4}));
    EXPECT_EQ(values(m0), (std::vector<double>{6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}));
    EXPECT_EQ(values(mean(x, {-2, -1})), (std::vector<double>{5.5, 17.5}));
  }
}

TEST(Reductions, MeanAndVarRejectIntegerTensors) {
  Tensor x = i64({1, 2}, {2});
  expect_mentions(message_of<std::invalid_argument>([&] { (void)mean(x); }), {"mean", "i64"});
  EXPECT_THROW((void)var(x), std::invalid_argument);
}

TEST(Reductions, AmaxAmin) {
  for (const char* name : kBackends) {
    SCOPED_TRACE(name);
    KernelsGuard guard(name);
    Tensor x = block_2x3x4();
    EXPECT_EQ(values(amax(x, {1})), (std::vector<double>{8, 9, 10, 11, 20, 21, 22, 23}));  // 12i + 8 + k
    EXPECT_EQ(values(amin(x, {0, 2})), (std::vector<double>{0, 4, 8}));                    // 4j
    EXPECT_EQ(amax(x).item<float>(), 23.0f);
    EXPECT_EQ(x.min().item<float>(), 0.0f);
    Tensor m = f32({3, -7, 1, 9, 2, -9}, {2, 3});
    Tensor mx = m.max({-1}, true);
    EXPECT_EQ(mx.shape(), (Shape{2, 1}));
    EXPECT_EQ(values(mx), (std::vector<double>{3, 9}));
    EXPECT_EQ(values(m.min({0})), (std::vector<double>{3, -7, -9}));
    float nan = std::numeric_limits<float>::quiet_NaN();
    expect_near(amax(f32({1, nan, 3, 0, 2, 1}, {2, 3}), {1}), {kNaN, 2}, 0);  // NaN propagates
  }
}

TEST(Reductions, ArgmaxArgminPickFirstExtremeAsInt64) {
  for (const char* name : kBackends) {
    SCOPED_TRACE(name);
    KernelsGuard guard(name);
    Tensor m = f32({3, 7, 1, 9, 2, 9}, {2, 3});
    Tensor am = argmax(m, 1);
    EXPECT_EQ(am.dtype(), DType::I64);
    EXPECT_EQ(am.shape(), (Shape{2}));
    EXPECT_EQ(ints(am), (std::vector<int64_t>{1, 0}));  // row 1 ties at 0 and 2: the first wins
    EXPECT_EQ(ints(m.argmax(0)), (std::vector<int64_t>{1, 0, 1}));
    EXPECT_EQ(ints(argmin(m, 1)), (std::vector<int64_t>{2, 1}));
    Tensor kept = m.argmin(-1, true);
    EXPECT_EQ(kept.shape(), (Shape{2, 1}));
    EXPECT_EQ(ints(kept), (std::vector<int64_t>{2, 1}));
    EXPECT_EQ(ints(argmax(i64({4, 8, 8, -1}, {4}), 0)), (std::vector<int64_t>{1}));
    // along the middle dim of [2,3,4]: the largest j is 2 everywhere
    EXPECT_EQ(ints(argmax(block_2x3x4(), 1)), (std::vector<int64_t>(8, 2)));
    EXPECT_EQ(ints(argmin(block_2x3x4(), -3)), (std::vector<int64_t>(12, 0)));
  }
}

TEST(Reductions, VarWithCorrectionZeroAndOne) {
  for (const char* name : kBackends) {
    SCOPED_TRACE(name);
    KernelsGuard guard(name);
    // {1,2,3,4}: squared deviations sum to 5
    Tensor v = f32({1, 2, 3, 4}, {4});
    // f32 results of order 1: 1e-6 covers the rounding of 5/3
    EXPECT_NEAR(var(v).item<double>(), 5.0 / 3.0, 1e-6);
    EXPECT_NEAR(var(v, {}, 0).item<double>(), 1.25, 1e-6);

    Tensor m = f32({1, 2, 3, 4, 2, 4, 6, 8}, {2, 4});
    expect_near(var(m, {1}, 0), {1.25, 5}, 1e-6);
    expect_near(m.var({-1}, 1), {5.0 / 3.0, 20.0 / 3.0}, 1e-5);  // 20/3 in f32: ulp 5e-7
    // columns (a, b): population variance (a-b)^2/4, unbiased (a-b)^2/2
    Tensor c0 = var(m, {0}, 0, true);
    EXPECT_EQ(c0.shape(), (Shape{1, 4}));
    expect_near(c0, {0.25, 1, 2.25, 4}, 1e-6);
    expect_near(var(m, {0}, 1), {0.5, 2, 4.5, 8}, 1e-6);
    // every element: mean 3.75, squared deviations sum to 37.5
    expect_near(var(m, {0, 1}, 0), {37.5 / 8}, 1e-6);
    EXPECT_THROW((void)var(m, {}, -1), std::invalid_argument);
  }
}

TEST(Reductions, DimOutOfRangeThrowsNamingTheOp) {
  Tensor x = zeros({2, 3, 4});
  expect_mentions(message_of<std::out_of_range>([&] { (void)sum(x, {3}); }), {"sum", "dim 3"});
  EXPECT_THROW((void)mean(x, {-4}), std::out_of_range);
  EXPECT_THROW((void)amax(x, {5}), std::out_of_range);
  EXPECT_THROW((void)argmax(x, 3), std::out_of_range);
  EXPECT_THROW((void)var(x, {7}), std::out_of_range);
}

TEST(Reductions, ExtremesOfAnEmptyDimThrow) {
  Tensor e = zeros({0, 3});
  EXPECT_THROW((void)amax(e, {0}), std::invalid_argument);
  expect_mentions(message_of<std::invalid_argument>([&] { (void)argmin(e, 0); }), {"argmin", "[0, 3]"});
  EXPECT_EQ(values(sum(e, {0})), (std::vector<double>{0, 0, 0}));  // an empty sum is 0
}

using ganforge::testing::exit_0_if_scalar_or_throws;
using ganforge::testing::exit_0_if_throws;

// A 0-d tensor has no dim to reduce or join along; dim 0 / -1 must not index its empty shape.
TEST(Reductions, DimArgumentOnZeroDimTensorDoesNotCrash) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");  // a fresh process, whatever threads exist
  Tensor s = scalar_tensor(3);
  EXPECT_EXIT(exit_0_if_scalar_or_throws([&] { return sum(s, {0}); }, 3), ::testing::ExitedWithCode(0), "");
  EXPECT_EXIT(exit_0_if_scalar_or_throws([&] { return sum(s, {-1}, true); }, 3), ::testing::ExitedWithCode(0), "");
  EXPECT_EXIT(exit_0_if_scalar_or_throws([&] { return amax(s, {0}); }, 3), ::testing::ExitedWithCode(0), "");
  EXPECT_EXIT(exit_0_if_scalar_or_throws([&] { return argmax(s, 0); }, 0), ::testing::ExitedWithCode(0), "");
  EXPECT_EXIT(exit_0_if_throws([&] { (void)cat({s, s}, 0); }), ::testing::ExitedWithCode(0), "");
}

// ================================================================== matmul

TEST(Matmul, TwoByThreeTimesThreeByTwo) {
  for (const char* name : kBackends) {
    SCOPED_TRACE(name);
    KernelsGuard guard(name);
    Tensor a = f32({1, 2, 3, 4, 5, 6}, {2, 3});
    Tensor b = f32({7, 8, 9, 10, 11, 12}, {3, 2});
    Tensor c = matmul(a, b);
    EXPECT_EQ(c.shape(), (Shape{2, 2}));
    EXPECT_EQ(values(c), (std::vector<double>{58, 64, 139, 154}));
    Tensor d = matmul(f64({1, 2, 3, 4, 5, 6}, {2, 3}), b);  // f64 @ f32 promotes
    EXPECT_EQ(d.dtype(), DType::F64);
    EXPECT_EQ(values(d), (std::vector<double>{58, 64, 139, 154}));
    EXPECT_EQ(ints(matmul(i64({1, 2, 3, 4}, {2, 2}), i64({1, 0, 0, 1}, {2, 2}))), (std::vector<int64_t>{1, 2, 3, 4}));
  }
}

TEST(Matmul, TransposedViewsNeedNoCopyAndGiveTheSameProduct) {
  for (const char* name : kBackends) {
    SCOPED_TRACE(name);
    KernelsGuard guard(name);
    Tensor at = f32({1, 4, 2, 5, 3, 6}, {3, 2});     // a = at.t() = [[1,2,3],[4,5,6]]
    Tensor bt = f32({7, 9, 11, 8, 10, 12}, {2, 3});  // b = bt.t() = [[7,8],[9,10],[11,12]]
    ASSERT_FALSE(at.t().is_contiguous());
    EXPECT_EQ(values(matmul(at.t(), bt.t())), (std::vector<double>{58, 64, 139, 154}));
    EXPECT_EQ(values(matmul(at.t(), bt.t().contiguous())), (std::vector<double>{58, 64, 139, 154}));
    // (a b)^T = b^T a^T
    EXPECT_EQ(values(matmul(bt, at)), (std::vector<double>{58, 139, 64, 154}));
    // a batched tensor transposed in its last two dims
    Tensor batch = f32({1, 4, 2, 5, 3, 6, 1, 0, 0, 1, 0, 0}, {2, 3, 2}).transpose(-1, -2);  // [2, 2, 3]
    Tensor r = matmul(batch, f32({7, 8, 9, 10, 11, 12}, {3, 2}));
    EXPECT_EQ(r.shape(), (Shape{2, 2, 2}));
    // batch 1 is [[1,0,0],[0,1,0]]: it picks the first two rows of b
    EXPECT_EQ(values(r), (std::vector<double>{58, 64, 139, 154, 7, 8, 9, 10}));
  }
}

TEST(Matmul, BroadcastsBatchDims) {
  for (const char* name : kBackends) {
    SCOPED_TRACE(name);
    KernelsGuard guard(name);
    // a: [2,1,2,2] holding the identity and the row swap; b: [3,2,2]
    Tensor a = f32({1, 0, 0, 1, 0, 1, 1, 0}, {2, 1, 2, 2});
    Tensor b = f32({1, 2, 3, 4, 5, 6, 7, 8, -1, 0, 0, -1}, {3, 2, 2});
    Tensor c = matmul(a, b);
    EXPECT_EQ(c.shape(), (Shape{2, 3, 2, 2}));
    EXPECT_EQ(values(c), (std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, -1, 0, 0, -1,     // identity @ b[j]
                                              3, 4, 1, 2, 7, 8, 5, 6, 0, -1, -1, 0}));  // rows of b[j] swapped
    // a 2-D operand broadcasts against a batch
    Tensor d = matmul(f32({2, 0, 0, 3}, {2, 2}), b);
    EXPECT_EQ(d.shape(), (Shape{3, 2, 2}));
    EXPECT_EQ(values(d), (std::vector<double>{2, 4, 9, 12, 10, 12, 21, 24, -2, 0, 0, -3}));
  }
}

TEST(Matmul, BadShapesThrowNamingBothShapes) {
  Tensor a = zeros({2, 3}), b = zeros({2, 2});
  expect_mentions(message_of<std::invalid_argument>([&] { (void)matmul(a, b); }), {"matmul", "[2, 3]", "[2, 2]"});
  expect_mentions(message_of<std::invalid_argument>([&] { (void)matmul(zeros({3}), zeros({3, 1})); }), {"matmul", "[3]"});
  // batch dims 2 and 3 cannot broadcast
  expect_mentions(message_of<std::invalid_argument>([&] { (void)matmul(zeros({2, 2, 2}), zeros({3, 2, 2})); }),
                  {"matmul", "[2]", "[3]"});
}

// ================================================================== cat / stack

TEST(Join, CatAlongEachDim) {
  Tensor a = f32({1, 2}, {1, 2});
  Tensor b = f32({3, 4, 5, 6}, {2, 2});
  Tensor c0 = cat({a, b}, 0);
  EXPECT_EQ(c0.shape(), (Shape{3, 2}));
  EXPECT_EQ(values(c0), (std::vector<double>{1, 2, 3, 4, 5, 6}));
  Tensor c1 = cat({b, b.narrow(1, 0, 1)}, -1);
  EXPECT_EQ(c1.shape(), (Shape{2, 3}));
  EXPECT_EQ(values(c1), (std::vector<double>{3, 4, 3, 5, 6, 5}));
  EXPECT_EQ(values(cat({a}, 0)), (std::vector<double>{1, 2}));
  // dtypes promote
  Tensor mixed = cat({i64({1}, {1}), f32({0.5}, {1})}, 0);
  EXPECT_EQ(mixed.dtype(), DType::F32);
  EXPECT_EQ(values(mixed), (std::vector<double>{1, 0.5}));
}

TEST(Join, CatRejectsMismatchedShapesNamingThem) {
  Tensor a = zeros({2, 3}), b = zeros({2, 4});
  expect_mentions(message_of<std::invalid_argument>([&] { (void)cat({a, b}, 0); }), {"cat", "[2, 4]", "[2, 3]"});
  EXPECT_THROW((void)cat({a, zeros({6})}, 0), std::invalid_argument);
  EXPECT_THROW((void)cat({}, 0), std::invalid_argument);
  EXPECT_THROW((void)cat({a, a}, 2), std::out_of_range);
  EXPECT_EQ(cat({a, b}, 1).shape(), (Shape{2, 7}));  // along dim 1 they do fit
}

TEST(Join, StackInsertsANewDim) {
  Tensor a = f32({1, 2}, {2}), b = f32({3, 4}, {2});
  Tensor s0 = stack({a, b}, 0);
  EXPECT_EQ(s0.shape(), (Shape{2, 2}));
  EXPECT_EQ(values(s0), (std::vector<double>{1, 2, 3, 4}));
  Tensor s1 = stack({a, b}, 1);
  EXPECT_EQ(s1.shape(), (Shape{2, 2}));
  EXPECT_EQ(values(s1), (std::vector<double>{1, 3, 2, 4}));
  EXPECT_EQ(values(stack({a, b, a}, -1)), (std::vector<double>{1, 3, 1, 2, 4, 2}));
  Tensor scalars = stack({scalar_tensor(1), scalar_tensor(2)}, 0);
  EXPECT_EQ(scalars.shape(), (Shape{2}));
  EXPECT_EQ(values(scalars), (std::vector<double>{1, 2}));
}

TEST(Join, StackRejectsDifferentShapesNamingThem) {
  expect_mentions(message_of<std::invalid_argument>([] { (void)stack({zeros({2}), zeros({3})}, 0); }),
                  {"stack", "[3]", "[2]"});
  EXPECT_THROW((void)stack({}, 0), std::invalid_argument);
  EXPECT_THROW((void)stack({zeros({2}), zeros({2})}, 2), std::out_of_range);
}

// ================================================================== index_select / one_hot

TEST(Indexing, IndexSelectPicksRowsOrColumns) {
  for (const char* name : kBackends) {
    SCOPED_TRACE(name);
    KernelsGuard guard(name);
    Tensor x = f32({1, 2, 3, 4, 5, 6}, {3, 2});
    Tensor rows = index_select(x, 0, i64({2, 0, 2}, {3}));
    EXPECT_EQ(rows.shape(), (Shape{3, 2}));
    EXPECT_EQ(values(rows), (std::vector<double>{5, 6, 1, 2, 5, 6}));
    Tensor cols = index_select(x, -1, i64({1}, {1}));
    EXPECT_EQ(cols.shape(), (Shape{3, 1}));
    EXPECT_EQ(values(cols), (std::vector<double>{2, 4, 6}));
    EXPECT_EQ(index_select(x, 0, i64({}, {0})).shape(), (Shape{0, 2}));
    // from a transposed view
    EXPECT_EQ(values(index_select(x.t(), 0, i64({1}, {1}))), (std::vector<double>{2, 4, 6}));
  }
}

TEST(Indexing, IndexSelectRejectsBadIndices) {
  Tensor x = zeros({3, 2});
  expect_mentions(message_of<std::out_of_range>([&] { (void)index_select(x, 0, i64({0, 3}, {2})); }),
                  {"index_select", "index 3", "size 3"});
  EXPECT_THROW((void)index_select(x, 0, i64({-1}, {1})), std::out_of_range);
  EXPECT_THROW((void)index_select(x, 1, i64({2}, {1})), std::out_of_range);
  expect_mentions(message_of<std::invalid_argument>([&] { (void)index_select(x, 0, f32({0}, {1})); }),
                  {"index_select", "i64"});
  EXPECT_THROW((void)index_select(x, 0, i64({0, 1}, {1, 2})), std::invalid_argument);
  EXPECT_THROW((void)index_select(x, 2, i64({0}, {1})), std::out_of_range);
}

TEST(Indexing, OneHotEncodesLabels) {
  Tensor h = one_hot(i64({0, 2, 1}, {3}));
  EXPECT_EQ(h.dtype(), DType::I64);
  EXPECT_EQ(h.shape(), (Shape{3, 3}));
  EXPECT_EQ(ints(h), (std::vector<int64_t>{1, 0, 0, 0, 0, 1, 0, 1, 0}));
  Tensor wide = one_hot(i64({1, 0}, {2}), 4);
  EXPECT_EQ(wide.shape(), (Shape{2, 4}));
  EXPECT_EQ(ints(wide), (std::vector<int64_t>{0, 1, 0, 0, 1, 0, 0, 0}));
  Tensor grid = one_hot(i64({0, 1, 1, 0}, {2, 2}), 2);
  EXPECT_EQ(grid.shape(), (Shape{2, 2, 2}));
  EXPECT_EQ(ints(grid), (std::vector<int64_t>{1, 0, 0, 1, 0, 1, 1, 0}));
}

TEST(Indexing, OneHotRejectsOutOfRangeLabels) {
  expect_mentions(message_of<std::out_of_range>([] { (void)one_hot(i64({0, 3}, {2}), 3); }),
                  {"one_hot", "label 3", "3 classes"});
  expect_mentions(message_of<std::out_of_range>([] { (void)one_hot(i64({-1}, {1})); }), {"one_hot", "-1"});
  EXPECT_THROW((void)one_hot(f32({0, 1}, {2})), std::invalid_argument);
}

// ================================================================== printing

TEST(Printing, MatrixPrintsNestedRowsAndDtype) {
  Tensor m = f32({1, 2, 3, 4}, {2, 2});
  std::string s = m.to_string();
  expect_mentions(s, {"tensor([[1., 2.]", "[3., 4.]]", "dtype=f32"});
  EXPECT_EQ(s, "tensor([[1., 2.],\n        [3., 4.]], dtype=f32)");
  std::ostringstream os;
  os << m;
  EXPECT_EQ(os.str(), s);
}

TEST(Printing, FormatsFollowDtypeAndValues) {
  EXPECT_EQ(i64({1, -2, 3}, {3}).to_string(), "tensor([1, -2, 3], dtype=i64)");
  EXPECT_EQ(f32({0.5, -1.25}, {2}).to_string(), "tensor([0.5000, -1.2500], dtype=f32)");
  EXPECT_EQ(f64({2}, {1}).to_string(), "tensor([2.], dtype=f64)");
  EXPECT_EQ(scalar_tensor(2.5).to_string(), "tensor(2.5000, dtype=f32)");
  float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(f32({nan, 1.5}, {2}).to_string(), "tensor([nan, 1.5000], dtype=f32)");
  expect_mentions(f32({1e-5f, 1}, {2}).to_string(), {"1.0000e-05", "1.0000e+00"});
  EXPECT_EQ(zeros({0}).to_string(), "tensor([], shape=[0], dtype=f32)");
  // a view prints its logical layout
  EXPECT_EQ(f32({1, 2, 3, 4}, {2, 2}).t().to_string(), "tensor([[1., 3.],\n        [2., 4.]], dtype=f32)");
}

TEST(Printing, Int64ValuesPrintExactly) {
  // 2^53 + 1 has no double representation: printing must not go through double
  EXPECT_EQ(i64({9007199254740993, -9007199254740993}, {2}).to_string(),
            "tensor([9007199254740993, -9007199254740993], dtype=i64)");
}

TEST(Printing, ShowsAutogradState) {
  Tensor w = ones({2}, TensorOptions{}.with_requires_grad());
  EXPECT_EQ(w.to_string(), "tensor([1., 1.], dtype=f32, requires_grad)");
  expect_mentions((w * w).to_string(), {"grad_fn=mul"});
}

TEST(Printing, BigTensorIsSummarisedWithEllipsis) {
  Tensor big = arange(0, 2000, 1);
  std::string s = big.to_string();
  EXPECT_EQ(s, "tensor([0., 1., 2., ..., 1997., 1998., 1999.], shape=[2000], dtype=f32)");
  std::string grid = zeros({50, 50}).to_string();
  expect_mentions(grid, {"...", "shape=[50, 50]"});
  EXPECT_LT(grid.size(), 500u);  // 7 rows of 7 entries, not 2500 numbers
  // 1000 elements are still printed in full
  EXPECT_EQ(arange(1000).to_string().find("..."), std::string::npos);
}

// ================================================================== in-place ops

TEST(InPlace, FillAndZeroSetEveryElementAndBumpVersion) {
  Tensor x = f32({1, 2, 3}, {3});
  uint64_t v0 = x.version();
  x.fill_(2.5);
  EXPECT_EQ(values(x), (std::vector<double>{2.5, 2.5, 2.5}));
  EXPECT_EQ(x.version(), v0 + 1);
  x.zero_();
  EXPECT_EQ(values(x), (std::vector<double>{0, 0, 0}));
  EXPECT_EQ(x.version(), v0 + 2);
}

TEST(InPlace, CopyBroadcastsAndConvertsTheSource) {
  Tensor dst = zeros({2, 3});
  uint64_t v0 = dst.version();
  dst.copy_(f32({1, 2, 3}, {1, 3}));
  EXPECT_EQ(values(dst), (std::vector<double>{1, 2, 3, 1, 2, 3}));
  EXPECT_EQ(dst.version(), v0 + 1);
  dst.copy_(i64({7, 8}, {2, 1}));
  EXPECT_EQ(values(dst), (std::vector<double>{7, 7, 7, 8, 8, 8}));
  dst.copy_(scalar_tensor(-1));
  EXPECT_EQ(values(dst), (std::vector<double>(6, -1)));
  EXPECT_EQ(dst.version(), v0 + 3);
}

TEST(InPlace, CopyBetweenOverlappingViewsReadsTheOldValues) {
  Tensor x = f32({1, 2, 3, 4}, {4});
  x.slice(0, 1, 4).copy_(x.slice(0, 0, 3));
  EXPECT_EQ(values(x), (std::vector<double>{1, 1, 2, 3}));
}

TEST(InPlace, CopyRejectsSourceThatDoesNotBroadcastToSelf) {
  Tensor dst = zeros({3});
  expect_mentions(message_of<std::invalid_argument>([&] { dst.copy_(zeros({2, 3})); }), {"copy_", "[2, 3]", "[3]"});
  expect_mentions(message_of<std::invalid_argument>([&] { dst.copy_(zeros({2})); }), {"copy_", "[3]", "[2]"});
  EXPECT_EQ(dst.version(), 0u);  // nothing was written
}

TEST(InPlace, AddWithAlphaAndMul) {
  for (const char* name : kBackends) {
    SCOPED_TRACE(name);
    KernelsGuard guard(name);
    Tensor x = f32({1, 2, 3}, {3});
    uint64_t v0 = x.version();
    x.add_(f32({10, 20, 30}, {3}), 0.5);
    EXPECT_EQ(values(x), (std::vector<double>{6, 12, 18}));
    x.add_(scalar_tensor(1));
    EXPECT_EQ(values(x), (std::vector<double>{7, 13, 19}));
    x.mul_(f32({2, 0, -1}, {3}));
    EXPECT_EQ(values(x), (std::vector<double>{14, 0, -19}));
    x.mul_(0.5);
    EXPECT_EQ(values(x), (std::vector<double>{7, 0, -9.5}));
    x.add_(x);  // aliasing the operand is fine
    EXPECT_EQ(values(x), (std::vector<double>{14, 0, -19}));
    EXPECT_EQ(x.version(), v0 + 5);
    EXPECT_THROW(x.add_(zeros({2})), std::invalid_argument);
  }
}

// An integer tensor updated in place with a fractional factor: the update must either be
// refused (as PyTorch does) or give the truncation of the exact result, as copy_ of the
// out-of-place result would; never an unrelated number.
TEST(InPlace, IntegerAddWithFractionalAlphaIsRefusedOrTruncated) {
  for (const char* name : kBackends) {
    SCOPED_TRACE(name);
    KernelsGuard guard(name);
    Tensor x = i64({10, 21}, {2});
    try {
      x.add_(i64({1, 3}, {2}), 0.5);  // exact: 10.5, 22.5
    } catch (const std::invalid_argument&) {
      EXPECT_EQ(ints(x), (std::vector<int64_t>{10, 21}));  // refused: unchanged
      continue;
    }
    EXPECT_EQ(ints(x), (std::vector<int64_t>{10, 22}));
  }
}

TEST(InPlace, IntegerMulByFractionalFactorIsRefusedOrTruncated) {
  for (const char* name : kBackends) {
    SCOPED_TRACE(name);
    KernelsGuard guard(name);
    Tensor y = i64({3, 5}, {2});
    try {
      y.mul_(0.5);  // exact: 1.5, 2.5 (out of place, y * 0.5 gives these in f32)
    } catch (const std::invalid_argument&) {
      EXPECT_EQ(ints(y), (std::vector<int64_t>{3, 5}));
      continue;
    }
    EXPECT_EQ(ints(y), (std::vector<int64_t>{1, 2}));
  }
}

TEST(InPlace, ViewsShareTheVersionCounter) {
  Tensor x = zeros({2, 3});
  Tensor row = x.select(0, 1);
  uint64_t v0 = x.version();
  row.fill_(1);
  EXPECT_EQ(x.version(), v0 + 1);
  EXPECT_EQ(row.version(), x.version());
  EXPECT_EQ(values(x), (std::vector<double>{0, 0, 0, 1, 1, 1}));
}

TEST(InPlace, RefusedOnTensorsRequiringGradUnlessNoGrad) {
  Tensor w = from_vector(std::vector<float>{1, 2}, {2}, TensorOptions{}.with_requires_grad());
  expect_mentions(message_of<std::invalid_argument>([&] { w.fill_(0); }), {"fill_", "[2]", "NoGradGuard"});
  EXPECT_THROW(w.zero_(), std::invalid_argument);
  EXPECT_THROW(w.copy_(zeros({2})), std::invalid_argument);
  EXPECT_THROW(w.add_(ones({2}), 0.1), std::invalid_argument);
  EXPECT_THROW(w.mul_(ones({2})), std::invalid_argument);
  EXPECT_THROW(w.mul_(2.0), std::invalid_argument);
  // a plain tensor updated from one that requires grad is refused too
  Tensor plain = zeros({2});
  EXPECT_THROW(plain.add_(w), std::invalid_argument);
  EXPECT_EQ(values(w), (std::vector<double>{1, 2}));

  {
    NoGradGuard no_grad;
    EXPECT_FALSE(GradMode::enabled());
    uint64_t v0 = w.version();
    w.add_(ones({2}), -0.5);
    w.mul_(2.0);
    EXPECT_EQ(values(w), (std::vector<double>{1, 3}));
    EXPECT_EQ(w.version(), v0 + 2);
  }
  EXPECT_TRUE(GradMode::enabled());
  EXPECT_TRUE(w.requires_grad());
}
