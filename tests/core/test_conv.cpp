// conv2d, conv_transpose2d, linear and embedding: shapes, known values, the errors users hit,
// and float64 gradient checks on every CPU backend.
#include <gtest/gtest.h>

#include "core/ganforge.h"
#include "tests/core/gradcheck_inputs.h"

using namespace ganforge;

namespace {

using namespace ganforge::testing;

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

class ConvOps : public ::testing::TestWithParam<std::string> {};
INSTANTIATE_TEST_SUITE_P(Backends, ConvOps, ::testing::Values(std::string("reference"), std::string("cpu")),
                         backend_name);

TEST_P(ConvOps, Conv2dOfAKnownImage) {
  KernelsGuard guard(GetParam());
  // 1 channel 3x3 image 1..9, 2x2 kernel of ones, bias 10: each output is a window sum + 10
  Tensor x = from_vector(std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 1, 3, 3});
  Tensor w = ones({1, 1, 2, 2});
  Tensor y = conv2d(x, w, full({1}, 10));
  EXPECT_EQ(y.shape(), (Shape{1, 1, 2, 2}));
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{22, 26, 34, 38}));
}

TEST_P(ConvOps, Conv2dOutputShapesOfTheDcganLayers) {
  KernelsGuard guard(GetParam());
  Tensor x = zeros({2, 3, 64, 64});
  EXPECT_EQ(conv2d(x, zeros({64, 3, 4, 4}), Tensor(), conv_params(2, 1)).shape(), (Shape{2, 64, 32, 32}));
  EXPECT_EQ(conv2d(zeros({2, 512, 4, 4}), zeros({1, 512, 4, 4})).shape(), (Shape{2, 1, 1, 1}));
  EXPECT_EQ(conv_transpose2d(zeros({2, 100, 1, 1}), zeros({100, 512, 4, 4})).shape(), (Shape{2, 512, 4, 4}));
  EXPECT_EQ(conv_transpose2d(zeros({2, 512, 4, 4}), zeros({512, 256, 4, 4}), Tensor(), conv_params(2, 1)).shape(),
            (Shape{2, 256, 8, 8}));
  // DCGAN-MNIST 4x4 -> 7x7 (k3 s2 p1) and CycleGAN's output_padding 1 (64 -> 128)
  EXPECT_EQ(conv_transpose2d(zeros({1, 8, 4, 4}), zeros({8, 4, 3, 3}), Tensor(), conv_params(2, 1)).shape(),
            (Shape{1, 4, 7, 7}));
  EXPECT_EQ(conv_transpose2d(zeros({1, 4, 64, 64}), zeros({4, 2, 3, 3}), Tensor(), conv_params(2, 1), 1, 1).shape(),
            (Shape{1, 2, 128, 128}));
}

TEST_P(ConvOps, TransposedConvolutionIsTheAdjointOfConvolution) {
  KernelsGuard guard(GetParam());
  // <conv(x, w), y> == <x, conv_transpose(y, w)> for every x, y: the defining identity
  Generator gen(3);
  const ConvParams p = conv_params(2, 1);
  Tensor x = randn({2, 3, 9, 7}, kF64, &gen), w = randn({4, 3, 3, 3}, kF64, &gen);
  Tensor cx = conv2d(x, w, Tensor(), p);
  Tensor y = randn(cx.shape(), kF64, &gen);
  Tensor ty = conv_transpose2d(y, w, Tensor(), p, 0, 0);
  ASSERT_EQ(ty.shape(), x.shape());
  EXPECT_NEAR(sum(cx * y).item<double>(), sum(x * ty).item<double>(), 1e-10);
}

TEST_P(ConvOps, GradcheckConv2dEveryGeometry) {
  KernelsGuard guard(GetParam());
  Generator gen(11);
  struct G {
    Shape x, w;
    ConvParams p;
  };
  for (const G& g : {G{{1, 1, 1, 1}, {2, 1, 1, 1}, conv_params()}, G{{2, 3, 5, 4}, {2, 3, 3, 3}, conv_params(1, 1)},
                     G{{1, 2, 7, 7}, {3, 2, 3, 3}, conv_params(2, 1)}, G{{2, 1, 6, 5}, {2, 1, 3, 2}, {1, 2, 1, 2, 0, 1, 1, 1}},
                     G{{1, 2, 7, 6}, {1, 2, 3, 3}, conv_params(1, 2, 2)}, G{{2, 3, 8, 8}, {4, 3, 4, 4}, conv_params(2, 1)}}) {
    SCOPED_TRACE(shape_str(g.x) + " * " + shape_str(g.w));
    Tensor x = normal(g.x, gen), w = normal(g.w, gen), b = normal({g.w[0]}, gen);
    GradcheckResult r = gradcheck([&](const std::vector<Tensor>& in) { return conv2d(in[0], in[1], in[2], g.p); }, {x, w, b});
    EXPECT_TRUE(r.ok) << r.message;
    GradcheckResult no_bias = gradcheck([&](const std::vector<Tensor>& in) { return conv2d(in[0], in[1], Tensor(), g.p); }, {x, w});
    EXPECT_TRUE(no_bias.ok) << no_bias.message;
  }
}

TEST_P(ConvOps, GradcheckConvTranspose2dEveryGeometry) {
  KernelsGuard guard(GetParam());
  Generator gen(12);
  struct G {
    Shape x, w;
    ConvParams p;
    int64_t output_padding;
  };
  for (const G& g : {G{{2, 3, 1, 1}, {3, 2, 4, 4}, conv_params(), 0}, G{{1, 2, 3, 3}, {2, 3, 4, 4}, conv_params(2, 1), 0},
                     G{{1, 2, 3, 3}, {2, 1, 3, 3}, conv_params(2, 1), 1}, G{{2, 1, 3, 4}, {1, 2, 3, 2}, {1, 1, 2, 0, 1, 2, 2, 2}, 0}}) {
    SCOPED_TRACE(shape_str(g.x) + " * " + shape_str(g.w));
    Tensor x = normal(g.x, gen), w = normal(g.w, gen), b = normal({g.w[1]}, gen);
    GradcheckResult r = gradcheck(
        [&](const std::vector<Tensor>& in) {
          return conv_transpose2d(in[0], in[1], in[2], g.p, g.output_padding, g.output_padding);
        },
        {x, w, b});
    EXPECT_TRUE(r.ok) << r.message;
  }
}

TEST_P(ConvOps, GradcheckLinearAndEmbedding) {
  KernelsGuard guard(GetParam());
  Generator gen(13);
  Tensor x = normal({4, 5}, gen), w = normal({3, 5}, gen), b = normal({3}, gen);
  GradcheckResult r = gradcheck([](const std::vector<Tensor>& in) { return linear(in[0], in[1], in[2]); }, {x, w, b});
  EXPECT_TRUE(r.ok) << r.message;
  Tensor v = normal({5}, gen);
  GradcheckResult vector_input = gradcheck([](const std::vector<Tensor>& in) { return linear(in[0], in[1]); }, {v, w});
  EXPECT_TRUE(vector_input.ok) << vector_input.message;
  Tensor table = normal({10, 4}, gen);
  Tensor labels = from_vector(std::vector<int64_t>{3, 7, 3, 0, 9, 3}, {2, 3});
  GradcheckResult e = gradcheck([&](const std::vector<Tensor>& in) { return embedding(labels, in[0]); }, {table});
  EXPECT_TRUE(e.ok) << e.message;
}

TEST(Conv, IntegerValuedInputsGiveExactResultsOnEveryBackend) {
  // Sums of products of small integers are exact in f32, so every backend must agree exactly.
  Generator gen(5);
  Tensor x = randint(-3, 4, {2, 3, 9, 9}, TensorOptions{}.with_dtype(DType::F32), &gen);
  Tensor w = randint(-3, 4, {4, 3, 3, 3}, TensorOptions{}.with_dtype(DType::F32), &gen);
  std::vector<float> expected;
  for (const char* backend : {"reference", "cpu"}) {
    KernelsGuard guard(backend);
    std::vector<float> y = conv2d(x, w, Tensor(), conv_params(2, 1)).to_vector<float>();
    if (expected.empty()) expected = y;
    EXPECT_EQ(y, expected) << backend;
  }
}

TEST(Conv, LinearAndEmbeddingValues) {
  Tensor x = from_vector(std::vector<float>{1, 2}, {1, 2});
  Tensor w = from_vector(std::vector<float>{1, 0, 0, 1, 1, 1}, {3, 2});
  EXPECT_EQ(linear(x, w, from_vector(std::vector<float>{0, 10, 100}, {3})).to_vector<float>(),
            (std::vector<float>{1, 12, 103}));
  Tensor table = from_vector(std::vector<float>{0, 1, 10, 11, 20, 21}, {3, 2});
  Tensor picked = embedding(from_vector(std::vector<int64_t>{2, 0}, {2}), table);
  EXPECT_EQ(picked.shape(), (Shape{2, 2}));
  EXPECT_EQ(picked.to_vector<float>(), (std::vector<float>{20, 21, 0, 1}));
}

TEST(Conv, BadShapesAndParametersGiveClearErrors) {
  EXPECT_NE(message_of([] { conv2d(zeros({2, 3, 8}), zeros({4, 3, 3, 3})); }).find("[N, C, H, W]"), std::string::npos);
  EXPECT_NE(message_of([] { conv2d(zeros({2, 3, 8, 8}), zeros({4, 2, 3, 3})); }).find("3 channels"), std::string::npos);
  EXPECT_NE(message_of([] { conv2d(zeros({1, 1, 2, 2}), zeros({1, 1, 3, 3})); }).find("does not fit"), std::string::npos);
  EXPECT_NE(message_of([] { conv2d(zeros({1, 1, 4, 4}), zeros({1, 1, 3, 3}), Tensor(), conv_params(0)); }).find("stride"),
            std::string::npos);
  EXPECT_NE(message_of([] { conv2d(zeros({1, 1, 4, 4}), zeros({2, 1, 3, 3}), zeros({3})); }).find("bias"), std::string::npos);
  EXPECT_NE(message_of([] { conv_transpose2d(zeros({1, 2, 4, 4}), zeros({2, 1, 3, 3}), Tensor(), conv_params(2, 1), 2, 0); })
                .find("output_padding"),
            std::string::npos);
  EXPECT_NE(message_of([] { conv2d(zeros({1, 1, 4, 4}, TensorOptions{}.with_dtype(DType::I64)),
                                   zeros({1, 1, 3, 3}, TensorOptions{}.with_dtype(DType::I64))); })
                .find("floating"),
            std::string::npos);
  EXPECT_NE(message_of([] { linear(zeros({2, 4}), zeros({3, 5})); }).find("[out, in]"), std::string::npos);
  EXPECT_NE(message_of([] { embedding(from_vector(std::vector<int64_t>{5}, {1}), zeros({3, 2})); }).find("out of range"),
            std::string::npos);
}

}  // namespace
