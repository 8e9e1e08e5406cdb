// View semantics (shared storage, shapes, strides, offsets), broadcasting, and ops on
// non-contiguous operands, on both CPU kernel backends where that is cheap.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/ganforge.h"
#include "tests/core/child_process.h"
#include "tests/core/expect_error.h"

using namespace ganforge;

namespace {

const char* const kBackends[] = {"reference", "cpu"};

Tensor f32(const std::vector<float>& v, const Shape& shape) { return from_vector(v, shape); }
std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

using ganforge::testing::expect_mentions;
using ganforge::testing::message_of;

// Same shape, dtype and (exactly) the same values.
void expect_same(const Tensor& got, const Tensor& expected) {
  EXPECT_EQ(got.shape(), expected.shape());
  EXPECT_EQ(got.dtype(), expected.dtype());
  EXPECT_EQ(values(got), values(expected));
}

void expect_close(const Tensor& got, const Tensor& expected, double tolerance) {
  EXPECT_EQ(got.shape(), expected.shape());
  std::vector<double> a = values(got), b = values(expected);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], tolerance) << "element " << i;
}

// 0..n-1 as f32 with the given shape (contiguous).
Tensor iota(const Shape& shape) { return arange(0, static_cast<double>(shape_numel(shape)), 1).reshape(shape); }

// A 3x4 f32 matrix with distinct, unordered whole values (so argmax/argmin are meaningful).
Tensor mixed_3x4() { return f32({5, -1, 3, 8, 0, 7, -4, 2, 9, 1, 6, -3}, {3, 4}); }

}  // namespace

// ================================================================== views share storage

TEST(Views, ReshapeAndViewShareStorageAndSeeWritesToTheBase) {
  Tensor base = iota({6});
  Tensor r = base.reshape({2, 3});
  Tensor v = base.view({3, 2});
  EXPECT_EQ(r.shape(), (Shape{2, 3}));
  EXPECT_EQ(r.strides(), (Shape{3, 1}));
  EXPECT_EQ(v.strides(), (Shape{2, 1}));
  EXPECT_EQ(r.storage(), base.storage());
  EXPECT_EQ(v.storage(), base.storage());
  EXPECT_EQ(values(r), (std::vector<double>{0, 1, 2, 3, 4, 5}));
  base.fill_(7);
  EXPECT_EQ(values(r), (std::vector<double>(6, 7)));
  base.copy_(f32({1, 2, 3, 4, 5, 6}, {6}));
  EXPECT_EQ(values(v), (std::vector<double>{1, 2, 3, 4, 5, 6}));
  r.select(1, 0).fill_(0);  // and writes through the view reach the base
  EXPECT_EQ(values(base), (std::vector<double>{0, 2, 3, 0, 5, 6}));
}

TEST(Views, ReshapeInfersOneDimAndRejectsBadSizes) {
  Tensor x = iota({2, 3});
  EXPECT_EQ(x.reshape({3, -1}).shape(), (Shape{3, 2}));
  EXPECT_EQ(x.reshape({-1}).shape(), (Shape{6}));
  EXPECT_EQ(x.reshape({1, -1, 1}).shape(), (Shape{1, 6, 1}));
  EXPECT_EQ(scalar_tensor(3).reshape({1, 1}).shape(), (Shape{1, 1}));
  expect_mentions(message_of<std::invalid_argument>([&] { (void)x.reshape({4}); }), {"reshape", "[2, 3]", "[4]"});
  EXPECT_THROW((void)x.reshape({-1, -1}), std::invalid_argument);
  EXPECT_THROW((void)x.reshape({4, -1}), std::invalid_argument);
  EXPECT_THROW((void)x.view({-2, 3}), std::invalid_argument);
  EXPECT_THROW((void)x.view({7}), std::invalid_argument);
}

TEST(Views, ViewOnNonContiguousThrowsWhileReshapeCopies) {
  Tensor x = iota({2, 3});
  Tensor t = x.t();
  ASSERT_FALSE(t.is_contiguous());
  expect_mentions(message_of<std::invalid_argument>([&] { (void)t.view({6}); }), {"view", "[3, 2]", "reshape"});
  Tensor r = t.reshape({6});
  EXPECT_NE(r.storage(), x.storage());
  EXPECT_TRUE(r.is_contiguous());
  EXPECT_EQ(values(r), (std::vector<double>{0, 3, 1, 4, 2, 5}));
  x.fill_(9);  // the copy does not follow the base
  EXPECT_EQ(values(r), (std::vector<double>{0, 3, 1, 4, 2, 5}));
}

TEST(Views, FlattenMergesARangeOfDims) {
  Tensor x = iota({2, 3, 4});
  Tensor all = x.flatten();
  EXPECT_EQ(all.shape(), (Shape{24}));
  EXPECT_EQ(all.storage(), x.storage());
  EXPECT_EQ(x.flatten(1).shape(), (Shape{2, 12}));
  EXPECT_EQ(x.flatten(0, 1).shape(), (Shape{6, 4}));
  EXPECT_EQ(x.flatten(-2, -1).shape(), (Shape{2, 12}));
  EXPECT_EQ(scalar_tensor(5).flatten().shape(), (Shape{1}));
  EXPECT_THROW((void)x.flatten(2, 1), std::invalid_argument);
  // a non-contiguous tensor is flattened by copying, in logical order
  Tensor p = x.transpose(0, 2).flatten();
  EXPECT_NE(p.storage(), x.storage());
  EXPECT_EQ(values(p).front(), 0);
  EXPECT_EQ(values(p)[1], 12);  // element (0,0,1) of the transpose is x(1,0,0)
  EXPECT_EQ(values(p)[2], 4);   // element (0,1,0) of the transpose is x(0,1,0)
}

TEST(Views, PermuteReordersShapeAndStrides) {
  Tensor x = iota({2, 3, 4});  // strides {12, 4, 1}
  Tensor p = x.permute({2, 0, 1});
  EXPECT_EQ(p.shape(), (Shape{4, 2, 3}));
  EXPECT_EQ(p.strides(), (Shape{1, 12, 4}));
  EXPECT_EQ(p.storage(), x.storage());
  EXPECT_FALSE(p.is_contiguous());
  // p[k][i][j] = x[i][j][k] = 12i + 4j + k
  std::vector<double> v = values(p);
  EXPECT_EQ(v[0 * 6 + 1 * 3 + 2], 12 + 8 + 0);
  EXPECT_EQ(v[3 * 6 + 0 * 3 + 1], 4 + 3);
  EXPECT_EQ(values(x.permute({-1, -3, -2}).contiguous()), v);
  x.select(2, 3).fill_(-1);  // x[..][..][3]: row p[3] of the permuted view
  EXPECT_EQ(values(p.select(0, 3)), (std::vector<double>(6, -1)));
}

TEST(Views, PermuteRejectsBadDims) {
  Tensor x = zeros({2, 3});
  expect_mentions(message_of<std::invalid_argument>([&] { (void)x.permute({0}); }), {"permute", "[2, 3]"});
  EXPECT_THROW((void)x.permute({1, 1}), std::invalid_argument);
  EXPECT_THROW((void)x.permute({0, 2}), std::out_of_range);
}

TEST(Views, TransposeAndTSwapTwoDims) {
  Tensor x = iota({2, 3});
  Tensor t = x.t();
  EXPECT_EQ(t.shape(), (Shape{3, 2}));
  EXPECT_EQ(t.strides(), (Shape{1, 3}));
  EXPECT_EQ(t.storage(), x.storage());
  EXPECT_EQ(values(t), (std::vector<double>{0, 3, 1, 4, 2, 5}));
  EXPECT_EQ(values(x.transpose(-1, 0)), values(t));
  EXPECT_EQ(values(t.t()), values(x));
  EXPECT_TRUE(t.t().is_contiguous());
  Tensor y = iota({2, 3, 4});
  Tensor yt = y.transpose(0, 2);
  EXPECT_EQ(yt.shape(), (Shape{4, 3, 2}));
  EXPECT_EQ(yt.strides(), (Shape{1, 4, 12}));
  expect_mentions(message_of<std::invalid_argument>([&] { (void)y.t(); }), {"t:", "[2, 3, 4]"});
  EXPECT_THROW((void)x.transpose(0, 2), std::out_of_range);
}

TEST(Views, NarrowKeepsARangeAtAnOffset) {
  Tensor x = iota({3, 4});
  Tensor n = x.narrow(1, 1, 2);
  EXPECT_EQ(n.shape(), (Shape{3, 2}));
  EXPECT_EQ(n.strides(), (Shape{4, 1}));
  EXPECT_EQ(n.offset(), 1);
  EXPECT_EQ(n.storage(), x.storage());
  EXPECT_EQ(values(n), (std::vector<double>{1, 2, 5, 6, 9, 10}));
  Tensor rows = x.narrow(0, 2, 1);
  EXPECT_EQ(rows.offset(), 8);
  EXPECT_EQ(values(rows), (std::vector<double>{8, 9, 10, 11}));
  EXPECT_EQ(x.narrow(1, 4, 0).numel(), 0);
  expect_mentions(message_of<std::out_of_range>([&] { (void)x.narrow(1, 3, 2); }), {"narrow", "[3, 4]"});
}

TEST(Views, SliceWithStepMultipliesTheStride) {
  Tensor x = iota({10});
  Tensor s = x.slice(0, 1, 8, 3);
  EXPECT_EQ(s.shape(), (Shape{3}));
  EXPECT_EQ(s.strides(), (Shape{3}));
  EXPECT_EQ(s.offset(), 1);
  EXPECT_EQ(s.storage(), x.storage());
  EXPECT_EQ(values(s), (std::vector<double>{1, 4, 7}));
  EXPECT_EQ(values(x.slice(0, 0, 10, 4)), (std::vector<double>{0, 4, 8}));
  EXPECT_EQ(values(x.slice(0, 0, 9, 4)), (std::vector<double>{0, 4, 8}));
  EXPECT_EQ(values(x.slice(0, 0, 8, 4)), (std::vector<double>{0, 4}));

  Tensor m = iota({3, 4});
  Tensor cols = m.slice(1, 0, 4, 2);
  EXPECT_EQ(cols.shape(), (Shape{3, 2}));
  EXPECT_EQ(cols.strides(), (Shape{4, 2}));
  EXPECT_EQ(values(cols), (std::vector<double>{0, 2, 4, 6, 8, 10}));
  m.fill_(1);
  EXPECT_EQ(values(cols), (std::vector<double>(6, 1)));
}

TEST(Views, SliceWrapsNegativeBoundsAndClampsToTheDim) {
  Tensor x = iota({10});
  EXPECT_EQ(values(x.slice(0, -3, 10)), (std::vector<double>{7, 8, 9}));
  EXPECT_EQ(values(x.slice(0, 2, -6)), (std::vector<double>{2, 3}));
  EXPECT_EQ(values(x.slice(0, 8, 100)), (std::vector<double>{8, 9}));
  EXPECT_EQ(x.slice(0, 6, 3).numel(), 0);
  expect_mentions(message_of<std::invalid_argument>([&] { (void)x.slice(0, 0, 5, 0); }), {"slice", "step"});
  EXPECT_THROW((void)x.slice(0, 0, 5, -1), std::invalid_argument);
}

TEST(Views, SelectDropsTheDim) {
  Tensor x = iota({3, 4});
  Tensor row = x.select(0, 1);
  EXPECT_EQ(row.shape(), (Shape{4}));
  EXPECT_EQ(row.strides(), (Shape{1}));
  EXPECT_EQ(row.offset(), 4);
  EXPECT_EQ(row.storage(), x.storage());
  EXPECT_EQ(values(row), (std::vector<double>{4, 5, 6, 7}));
  Tensor col = x.select(1, -1);
  EXPECT_EQ(col.shape(), (Shape{3}));
  EXPECT_EQ(col.strides(), (Shape{4}));
  EXPECT_EQ(values(col), (std::vector<double>{3, 7, 11}));
  Tensor one = x.select(0, 2).select(0, 1);
  EXPECT_EQ(one.dim(), 0);
  EXPECT_EQ(one.item<float>(), 9.0f);
  expect_mentions(message_of<std::out_of_range>([&] { (void)x.select(0, 3); }), {"select", "index 3", "[3, 4]"});
  EXPECT_THROW((void)x.select(1, -5), std::out_of_range);
}

TEST(Views, SqueezeAndUnsqueezeChangeOnlySizeOneDims) {
  Tensor x = iota({1, 3, 1});
  Tensor all = x.squeeze();
  EXPECT_EQ(all.shape(), (Shape{3}));
  EXPECT_EQ(all.storage(), x.storage());
  EXPECT_EQ(x.squeeze(0).shape(), (Shape{3, 1}));
  EXPECT_EQ(x.squeeze(-1).shape(), (Shape{1, 3}));
  EXPECT_EQ(x.squeeze(1).shape(), (Shape{1, 3, 1}));  // size 3: left as is
  EXPECT_EQ(zeros({1, 1}).squeeze().dim(), 0);

  Tensor v = iota({3});
  Tensor front = v.unsqueeze(0), back = v.unsqueeze(-1);
  EXPECT_EQ(front.shape(), (Shape{1, 3}));
  EXPECT_EQ(back.shape(), (Shape{3, 1}));
  EXPECT_EQ(back.strides()[0], 1);
  EXPECT_EQ(front.storage(), v.storage());
  EXPECT_TRUE(front.is_contiguous());
  EXPECT_TRUE(back.is_contiguous());
  EXPECT_EQ(iota({2, 3}).unsqueeze(1).shape(), (Shape{2, 1, 3}));
  EXPECT_EQ(scalar_tensor(1).unsqueeze(0).shape(), (Shape{1}));
  v.fill_(4);
  EXPECT_EQ(values(back), (std::vector<double>{4, 4, 4}));
  EXPECT_THROW((void)v.unsqueeze(2), std::out_of_range);
  EXPECT_THROW((void)x.squeeze(3), std::out_of_range);
}

TEST(Views, ExpandRepeatsWithZeroStrides) {
  Tensor col = f32({1, 2, 3}, {3, 1});
  Tensor e = col.expand({3, 4});
  EXPECT_EQ(e.shape(), (Shape{3, 4}));
  EXPECT_EQ(e.strides(), (Shape{1, 0}));
  EXPECT_EQ(e.storage(), col.storage());
  EXPECT_EQ(values(e), (std::vector<double>{1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3}));
  Tensor lead = col.expand({2, -1, 2});
  EXPECT_EQ(lead.shape(), (Shape{2, 3, 2}));
  EXPECT_EQ(lead.strides(), (Shape{0, 1, 0}));
  EXPECT_EQ(values(lead), (std::vector<double>{1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3}));
  col.copy_(f32({7, 8, 9}, {3, 1}));
  EXPECT_EQ(values(e), (std::vector<double>{7, 7, 7, 7, 8, 8, 8, 8, 9, 9, 9, 9}));
  EXPECT_EQ(values(scalar_tensor(5).expand({2, 2})), (std::vector<double>(4, 5)));
}

TEST(Views, ExpandRejectsIncompatibleShapesNamingThem) {
  Tensor x = zeros({3, 2});
  expect_mentions(message_of<std::invalid_argument>([&] { (void)x.expand({3, 4}); }), {"expand", "[3, 2]", "[3, 4]"});
  EXPECT_THROW((void)x.expand({2}), std::invalid_argument);
  EXPECT_THROW((void)x.expand({-1, 3, 2}), std::invalid_argument);
}

TEST(Views, ViewsOfViewsComposeOffsetsAndStrides) {
  Tensor x = iota({4, 5});
  Tensor v = x.t().slice(0, 1, 5, 2).narrow(1, 1, 3);  // columns 1 and 3, rows 1..3
  EXPECT_EQ(v.shape(), (Shape{2, 3}));
  EXPECT_EQ(v.strides(), (Shape{2, 5}));
  EXPECT_EQ(v.offset(), 1 + 5);
  EXPECT_EQ(v.storage(), x.storage());
  EXPECT_EQ(values(v), (std::vector<double>{6, 11, 16, 8, 13, 18}));
  v.fill_(-1);
  EXPECT_EQ(values(x), (std::vector<double>{0, 1, 2, 3, 4,     //
                                            5, -1, 7, -1, 9,   //
                                            10, -1, 12, -1, 14,  //
                                            15, -1, 17, -1, 19}));
}

TEST(Views, ContiguousCopiesOnlyWhenNeeded) {
  Tensor x = iota({2, 3});
  EXPECT_TRUE(x.contiguous().same(x));
  for (const Tensor& view : {x.t(), x.slice(1, 0, 3, 2), x.select(1, 1), x.unsqueeze(0).expand({2, 2, 3})}) {
    Tensor c = view.contiguous();
    EXPECT_TRUE(c.is_contiguous());
    EXPECT_EQ(c.strides(), contiguous_strides(view.shape()));
    EXPECT_EQ(values(c), values(view));
  }
  Tensor c = x.t().contiguous();
  EXPECT_NE(c.storage(), x.storage());
  EXPECT_EQ(values(c), (std::vector<double>{0, 3, 1, 4, 2, 5}));
  Tensor row = x.select(0, 1);  // a contiguous view is returned as is
  EXPECT_TRUE(row.is_contiguous());
  EXPECT_TRUE(row.contiguous().same(row));
  EXPECT_FALSE(x.select(1, 1).is_contiguous());
}

TEST(Views, CloneAndDetach) {
  Tensor x = iota({3});
  Tensor c = x.clone();
  EXPECT_NE(c.storage(), x.storage());
  Tensor d = x.detach();
  EXPECT_EQ(d.storage(), x.storage());
  x.fill_(2);
  EXPECT_EQ(values(c), (std::vector<double>{0, 1, 2}));
  EXPECT_EQ(values(d), (std::vector<double>{2, 2, 2}));
}

using ganforge::testing::exit_0_if_scalar_or_throws;
using ganforge::testing::exit_0_if_throws;

// A 0-d tensor has no dims: size/select/narrow/slice along dim 0 are bad input and must say
// so, not index the empty shape. (squeeze/transpose of dim 0 may return the tensor itself,
// as in PyTorch.) Run in a child process so that a crash fails this test only.
TEST(Views, DimArgumentsOnZeroDimTensorDoNotCrash) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  Tensor s = scalar_tensor(3);
  EXPECT_EXIT(exit_0_if_throws([&] { (void)s.size(0); }), ::testing::ExitedWithCode(0), "");
  EXPECT_EXIT(exit_0_if_throws([&] { (void)s.select(0, 0); }), ::testing::ExitedWithCode(0), "");
  EXPECT_EXIT(exit_0_if_throws([&] { (void)s.narrow(0, 0, 1); }), ::testing::ExitedWithCode(0), "");
  EXPECT_EXIT(exit_0_if_throws([&] { (void)s.slice(-1, 0, 1); }), ::testing::ExitedWithCode(0), "");
  EXPECT_EXIT(exit_0_if_scalar_or_throws([&] { return s.squeeze(0); }, 3), ::testing::ExitedWithCode(0), "");
  EXPECT_EXIT(exit_0_if_scalar_or_throws([&] { return s.transpose(0, -1); }, 3), ::testing::ExitedWithCode(0), "");
}

// ================================================================== broadcasting

TEST(Broadcasting, ColumnPlusRowGivesAGrid) {
  for (const char* name : kBackends) {
    SCOPED_TRACE(name);
    KernelsGuard guard(name);
    Tensor col = f32({0, 10, 20}, {3, 1});
    Tensor row = f32({1, 2, 3, 4}, {1, 4});
    Tensor g = col + row;
    EXPECT_EQ(g.shape(), (Shape{3, 4}));
    EXPECT_EQ(values(g), (std::vector<double>{1, 2, 3, 4, 11, 12, 13, 14, 21, 22, 23, 24}));
    EXPECT_EQ(values(row + col), values(g));
    EXPECT_EQ(values(col * row), (std::vector<double>{0, 0, 0, 0, 10, 20, 30, 40, 20, 40, 60, 80}));
  }
}

TEST(Broadcasting, MatrixWithTrailingVector) {
  for (const char* name : kBackends) {
    SCOPED_TRACE(name);
    KernelsGuard guard(name);
    Tensor m = f32({1, 2, 3, 4, 5, 6}, {2, 3});
    Tensor v = f32({10, 20, 30}, {3});
    EXPECT_EQ((m + v).shape(), (Shape{2, 3}));
    EXPECT_EQ(values(m + v), (std::vector<double>{11, 22, 33, 14, 25, 36}));
    EXPECT_EQ(values(v - m), (std::vector<double>{9, 18, 27, 6, 15, 24}));
    EXPECT_EQ(values(maximum(m, f32({3}, {1}))), (std::vector<double>{3, 3, 3, 4, 5, 6}));
    EXPECT_EQ(values(lt(m, f32({2, 2, 5}, {3}))), (std::vector<double>{1, 0, 1, 0, 0, 0}));
  }
}

TEST(Broadcasting, ZeroDimScalarWithTensor) {
  for (const char* name : kBackends) {
    SCOPED_TRACE(name);
    KernelsGuard guard(name);
    Tensor s = scalar_tensor(5);
    Tensor v = f32({1, 2}, {2});
    EXPECT_EQ((s + v).shape(), (Shape{2}));
    EXPECT_EQ(values(s + v), (std::vector<double>{6, 7}));
    EXPECT_EQ(values(v / s), (std::vector<double>{0.2f, 0.4f}));  // f32 quotients, compared as floats
    Tensor ss = s * scalar_tensor(2);
    EXPECT_EQ(ss.dim(), 0);
    EXPECT_EQ(ss.item<float>(), 10.0f);
    Tensor m = zeros({2, 1, 3}) - s;
    EXPECT_EQ(m.shape(), (Shape{2, 1, 3}));
    EXPECT_EQ(values(m), (std::vector<double>(6, -5)));
  }
}

TEST(Broadcasting, SizeOneDimsStretchOnBothSides) {
  for (const char* name : kBackends) {
    SCOPED_TRACE(name);
    KernelsGuard guard(name);
    Tensor a = iota({2, 1, 3});           // a[i][0][k] = 3i + k
    Tensor b = f32({1, 2, 3, 4}, {4, 1});  // b[j][0] = j + 1
    Tensor p = a * b;                      // [2, 4, 3]: (3i + k)(j + 1)
    EXPECT_EQ(p.shape(), (Shape{2, 4, 3}));
    EXPECT_EQ(values(p), (std::vector<double>{0, 1, 2, 0, 2, 4, 0, 3, 6, 0, 4, 8,  //
                                              3, 4, 5, 6, 8, 10, 9, 12, 15, 12, 16, 20}));
    EXPECT_EQ((f32({1}, {1}) + iota({3})).shape(), (Shape{3}));
    EXPECT_EQ((zeros({1, 1}) + zeros({1})).shape(), (Shape{1, 1}));
  }
}

TEST(Broadcasting, BroadcastShapesAlignsFromTheRight) {
  EXPECT_EQ(broadcast_shapes({3, 1}, {1, 4}, "op"), (Shape{3, 4}));
  EXPECT_EQ(broadcast_shapes({2, 3}, {3}, "op"), (Shape{2, 3}));
  EXPECT_EQ(broadcast_shapes({}, {2, 2}, "op"), (Shape{2, 2}));
  EXPECT_EQ(broadcast_shapes({5, 1, 4}, {3, 1}, "op"), (Shape{5, 3, 4}));
  EXPECT_EQ(broadcast_shapes({0}, {1}, "op"), (Shape{0}));
  expect_mentions(message_of<std::invalid_argument>([] { (void)broadcast_shapes({2, 3}, {4, 3}, "myop"); }),
                  {"myop", "[2, 3]", "[4, 3]"});
}

TEST(Broadcasting, IncompatibleShapesThrowNamingTheOpAndBothShapes) {
  Tensor a = zeros({2, 3}), b = zeros({2});
  expect_mentions(message_of<std::invalid_argument>([&] { (void)add(a, b); }), {"add", "[2, 3]", "[2]"});
  expect_mentions(message_of<std::invalid_argument>([&] { (void)(a * zeros({3, 2})); }), {"mul", "[2, 3]", "[3, 2]"});
  expect_mentions(message_of<std::invalid_argument>([&] { (void)sub(b, a); }), {"sub", "[2]", "[2, 3]"});
  expect_mentions(message_of<std::invalid_argument>([&] { (void)div(a, zeros({4, 1, 2})); }), {"div", "[4, 1, 2]"});
  expect_mentions(message_of<std::invalid_argument>([&] { (void)minimum(a, b); }), {"minimum", "[2, 3]", "[2]"});
  expect_mentions(message_of<std::invalid_argument>([&] { (void)eq(a, b); }), {"eq", "[2, 3]", "[2]"});
  expect_mentions(message_of<std::invalid_argument>([&] { (void)where(zeros({4}), a, a); }), {"where", "[4]", "[2, 3]"});
  EXPECT_THROW((void)pow(a, b), std::invalid_argument);
}

// ================================================================== ops on non-contiguous views

TEST(NonContiguous, ElementwiseOnTransposedMatchesContiguousCopy) {
  for (const char* name : kBackends) {
    SCOPED_TRACE(name);
    KernelsGuard guard(name);
    Tensor t = mixed_3x4().t();  // [4, 3], strides {1, 4}
    Tensor c = t.contiguous();
    Tensor other = iota({4, 3});
    ASSERT_FALSE(t.is_contiguous());
    expect_same(t + other, c + other);
    expect_same(other - t, other - c);
    expect_same(t * t, c * c);
    expect_same(maximum(t, other), maximum(c, other));
    expect_same(abs(t), abs(c));
    expect_same(clamp(t, -2, 4), clamp(c, -2, 4));
    expect_same(exp(t), exp(c));
    expect_same(gt(t, other), gt(c, other));
    expect_same(where(gt(t, other), t, other), where(gt(c, other), c, other));
    // and one hand-checked row: t[0] is column 0 of mixed_3x4
    EXPECT_EQ(values((t * 2.0).select(0, 0)), (std::vector<double>{10, 0, 18}));
  }
}

TEST(NonContiguous, ElementwiseOnSteppedSliceMatchesContiguousCopy) {
  for (const char* name : kBackends) {
    SCOPED_TRACE(name);
    KernelsGuard guard(name);
    Tensor s = mixed_3x4().slice(1, 1, 4, 2);  // columns 1 and 3: [3, 2], strides {4, 2}
    Tensor c = s.contiguous();
    EXPECT_EQ(values(s), (std::vector<double>{-1, 8, 7, 2, 1, -3}));
    Tensor other = f32({1, 2}, {2});
    expect_same(s + other, c + other);
    expect_same(s * s, c * s);
    expect_same(neg(s), neg(c));
    expect_same(pow(s, 2.0), pow(c, 2.0));
    expect_same(minimum(s, other), minimum(c, other));
    Tensor r = iota({10}).slice(0, 1, 10, 3);  // {1, 4, 7}
    EXPECT_EQ(values(r + r.contiguous()), (std::vector<double>{2, 8, 14}));
  }
}

TEST(NonContiguous, ElementwiseOnExpandedMatchesContiguousCopy) {
  for (const char* name : kBackends) {
    SCOPED_TRACE(name);
    KernelsGuard guard(name);
    Tensor e = f32({1, -2, 3}, {3}).expand({4, 3});  // strides {0, 1}
    Tensor c = e.contiguous();
    Tensor other = iota({4, 3});
    expect_same(e + other, c + other);
    expect_same(other * e, other * c);
    expect_same(exp(e), exp(c));
    expect_same(e - e.t().t(), zeros({4, 3}));
    Tensor col = f32({2, 5}, {2, 1}).expand({2, 3});  // strides {1, 0}
    EXPECT_EQ(values(col * f32({1, 2, 3}, {3})), (std::vector<double>{2, 4, 6, 5, 10, 15}));
  }
}

TEST(NonContiguous, ReductionsMatchContiguousCopy) {
  for (const char* name : kBackends) {
    SCOPED_TRACE(name);
    KernelsGuard guard(name);
    const Tensor views[] = {mixed_3x4().t(), mixed_3x4().slice(1, 0, 4, 2), mixed_3x4().slice(0, 1, 3),
                            f32({4, -1, 2}, {3, 1}).expand({3, 5}), iota({2, 3, 4}).permute({1, 2, 0})};
    for (const Tensor& v : views) {
      SCOPED_TRACE(shape_str(v.shape()) + " strides " + shape_str(v.strides()));
      Tensor c = v.contiguous();
      for (int d = -v.dim(); d < v.dim(); ++d) {
        // whole-number data: sums, means of few elements and extremes are exact
        expect_same(sum(v, {d}), sum(c, {d}));
        expect_same(mean(v, {d}, true), mean(c, {d}, true));
        expect_same(amax(v, {d}), amax(c, {d}));
        expect_same(amin(v, {d}), amin(c, {d}));
        expect_same(argmax(v, d), argmax(c, d));
        expect_same(argmin(v, d), argmin(c, d));
        // variances of whole numbers with a fractional mean: 1e-5 is about a float ulp at 100
        expect_close(var(v, {d}, 0), var(c, {d}, 0), 1e-5);
      }
      expect_same(sum(v), sum(c));
      expect_same(sum(v, {0, -1}), sum(c, {0, -1}));
      expect_close(var(v), var(c), 1e-5);
    }
  }
}

TEST(NonContiguous, ReductionsOfViewsHaveHandCheckedValues) {
  for (const char* name : kBackends) {
    SCOPED_TRACE(name);
    KernelsGuard guard(name);
    Tensor t = mixed_3x4().t();  // rows are the columns of mixed_3x4
    EXPECT_EQ(values(sum(t, {1})), (std::vector<double>{14, 7, 5, 7}));
    EXPECT_EQ(values(sum(t, {0})), (std::vector<double>{15, 5, 13}));
    EXPECT_EQ(values(amax(t, {1})), (std::vector<double>{9, 7, 6, 8}));
    EXPECT_EQ(values(argmin(t, 0)), (std::vector<double>{1, 2, 3}));
    Tensor e = f32({4, -1, 2}, {3, 1}).expand({3, 5});
    EXPECT_EQ(values(sum(e, {1})), (std::vector<double>{20, -5, 10}));
    EXPECT_EQ(values(sum(e, {0})), (std::vector<double>(5, 5)));
    EXPECT_EQ(values(var(e, {1})), (std::vector<double>{0, 0, 0}));
  }
}

TEST(NonContiguous, MatmulOnSlicedAndExpandedOperands) {
  for (const char* name : kBackends) {
    SCOPED_TRACE(name);
    KernelsGuard guard(name);
    Tensor a = mixed_3x4().slice(1, 0, 4, 2);  // [[5,3],[0,-4],[9,6]]
    Tensor b = f32({1, 2, 3, 4}, {2, 2}).expand({3, 2, 2});
    Tensor r = matmul(a, b);
    EXPECT_EQ(r.shape(), (Shape{3, 3, 2}));
    std::vector<double> once = {14, 22, -12, -16, 27, 42};
    std::vector<double> expected;
    for (int i = 0; i < 3; ++i) expected.insert(expected.end(), once.begin(), once.end());
    EXPECT_EQ(values(r), expected);
    expect_same(matmul(a, b), matmul(a.contiguous(), b.contiguous()));
  }
}

TEST(NonContiguous, InPlaceOpsWriteOnlyTheViewedElements) {
  for (const char* name : kBackends) {
    SCOPED_TRACE(name);
    KernelsGuard guard(name);
    Tensor x = iota({3, 4});
    x.slice(1, 0, 4, 2).mul_(10.0);  // columns 0 and 2
    EXPECT_EQ(values(x), (std::vector<double>{0, 1, 20, 3, 40, 5, 60, 7, 80, 9, 100, 11}));
    x.t().select(0, 1).add_(f32({1, 2, 3}, {3}));  // column 1
    EXPECT_EQ(values(x), (std::vector<double>{0, 2, 20, 3, 40, 7, 60, 7, 80, 12, 100, 11}));
    x.select(1, 3).copy_(scalar_tensor(-1));
    EXPECT_EQ(values(x), (std::vector<double>{0, 2, 20, -1, 40, 7, 60, -1, 80, 12, 100, -1}));
  }
}

// Larger strided operands reach the cpu backend's threaded and vectorised paths; it must
// agree with the reference backend there too.
TEST(NonContiguous, CpuAgreesWithReferenceOnLargerStridedOperands) {
  Generator g(42);
  Tensor base = randn({96, 130}, {}, &g);
  const Tensor views[] = {base.t(), base.slice(1, 3, 130, 3), base.narrow(0, 5, 80).narrow(1, 7, 100),
                          base.select(0, 3).unsqueeze(0).expand({64, 130})};
  for (const Tensor& v : views) {
    SCOPED_TRACE(shape_str(v.shape()) + " strides " + shape_str(v.strides()));
    std::vector<Tensor> results[2];
    for (int b = 0; b < 2; ++b) {
      KernelsGuard guard(kBackends[b]);
      results[b] = {exp(v) * v - v.contiguous(), sum(v, {0}), sum(v, {1}), mean(v), amax(v, {0}), argmax(v, 1),
                    var(v, {1})};
    }
    // exp may differ by an f32 ulp between backends (float vs double math): at |v| < 5 that
    // is < 5e-5 in exp(v)*v; reductions accumulate in double on both, so 1e-4 covers the
    // final f32 rounding of sums up to a few hundred
    for (size_t i = 0; i < results[0].size(); ++i) {
      SCOPED_TRACE("result " + std::to_string(i));
      if (results[0][i].dtype() == DType::I64)
        expect_same(results[1][i], results[0][i]);
      else
        expect_close(results[1][i], results[0][i], 1e-4);
    }
  }
}

TEST(Views, InPlaceWriteIntoAnExpandedViewIsRefused) {
  Tensor base = zeros({1, 3});
  Tensor wide = base.expand({4, 3});
  try {
    wide.fill_(1);
    FAIL() << "fill_ on an expanded view should throw";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("expanded view"), std::string::npos) << e.what();
  }
  EXPECT_THROW(wide.copy_(ones({4, 3})), std::invalid_argument);
  EXPECT_EQ(base.to_vector<float>(), (std::vector<float>{0, 0, 0}));  // nothing was written
}
