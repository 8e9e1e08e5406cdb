// Float64 gradient checks of the GAN-layer ops (norms, activations, softmax, resampling,
// dropout, losses) on every CPU backend. Inputs avoid the kinks of relu / leaky_relu / l1
// (|x| >= 0.25 away from them) and keep probabilities inside (0, 1).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/ganforge.h"
#include "tests/core/gradcheck_inputs.h"

using namespace ganforge;

namespace {

using namespace ganforge::testing;

class GradcheckLayers : public ::testing::TestWithParam<std::string> {};

}  // namespace

INSTANTIATE_TEST_SUITE_P(Backends, GradcheckLayers, ::testing::Values(std::string("reference"), std::string("cpu")),
                         backend_name);

// ------------------------------------------------------------------------ normalisation

TEST_P(GradcheckLayers, BatchNormTrainingAffine2d) {
  KernelsGuard guard(GetParam());
  Generator gen(1);
  auto f = [](const Inputs& in) { return batch_norm(in[0], in[1], in[2], Tensor(), Tensor(), true, 0.1, 1e-5); };
  EXPECT_GRADCHECK(f, {normal({3, 4, 2, 3}, gen), uniform({4}, gen, 0.5, 1.5), normal({4}, gen)});
  EXPECT_GRADCHECK(f, {normal({1, 3, 2, 2}, gen), uniform({3}, gen, 0.5, 1.5), normal({3}, gen)});  // batch 1
  EXPECT_GRADCHECK(f, {normal({5, 2, 1, 1}, gen), uniform({2}, gen, 0.5, 1.5), normal({2}, gen)});  // 1x1 maps
}

TEST_P(GradcheckLayers, BatchNormTrainingWithoutAffine) {
  KernelsGuard guard(GetParam());
  Generator gen(2);
  auto f = [](const Inputs& in) { return batch_norm(in[0], Tensor(), Tensor(), Tensor(), Tensor(), true, 0.1, 1e-5); };
  EXPECT_GRADCHECK(f, {normal({4, 3, 2, 2}, gen)});
  EXPECT_GRADCHECK(f, {normal({6, 5}, gen)});
}

TEST_P(GradcheckLayers, BatchNorm1dTrainingWithRunningStats) {
  KernelsGuard guard(GetParam());
  Generator gen(3);
  Tensor running_mean = zeros({5}, kF64), running_var = ones({5}, kF64);
  // eps 0.8 as the MLP GAN's BatchNorm1d; the running buffers change on every call, which
  // must not change the gradient.
  auto f = [&](const Inputs& in) { return batch_norm(in[0], in[1], in[2], running_mean, running_var, true, 0.1, 0.8); };
  EXPECT_GRADCHECK(f, {normal({7, 5}, gen), uniform({5}, gen, 0.5, 1.5), normal({5}, gen)});
  EXPECT_GRADCHECK(f, {normal({2, 5}, gen), normal({5}, gen).detach(), normal({5}, gen)});  // gamma without grad
}

TEST_P(GradcheckLayers, BatchNormEval) {
  KernelsGuard guard(GetParam());
  Generator gen(4);
  Tensor running_mean = randn({3}, kF64, &gen), running_var = rand({3}, kF64, &gen, 0.5, 2.0);
  auto f = [&](const Inputs& in) { return batch_norm(in[0], in[1], in[2], running_mean, running_var, false, 0.1, 1e-5); };
  EXPECT_GRADCHECK(f, {normal({2, 3, 2, 2}, gen), uniform({3}, gen, 0.5, 1.5), normal({3}, gen)});
  EXPECT_GRADCHECK(f, {normal({1, 3}, gen), uniform({3}, gen, 0.5, 1.5), normal({3}, gen)});  // eval allows batch 1
}

// Batch norm fused with the activation after it (one primitive each way in training).
TEST_P(GradcheckLayers, BatchNormFusedWithReluAndLeakyRelu) {
  KernelsGuard guard(GetParam());
  Generator gen(11);
  Tensor running_mean = zeros({5}, kF64), running_var = ones({5}, kF64);
  auto relu_affine = [](const Inputs& in) { return batch_norm_relu(in[0], in[1], in[2], Tensor(), Tensor(), true); };
  EXPECT_GRADCHECK(relu_affine, {normal({3, 4, 2, 3}, gen), uniform({4}, gen, 0.5, 1.5), normal({4}, gen)});
  auto relu_plain = [](const Inputs& in) { return batch_norm_relu(in[0], Tensor(), Tensor(), Tensor(), Tensor(), true); };
  EXPECT_GRADCHECK(relu_plain, {normal({4, 3, 2, 2}, gen)});
  auto leaky = [&](const Inputs& in) {
    return batch_norm_leaky_relu(in[0], in[1], in[2], running_mean, running_var, true, 0.1, 0.8, 0.2);
  };
  EXPECT_GRADCHECK(leaky, {normal({7, 5}, gen), uniform({5}, gen, 0.5, 1.5), normal({5}, gen)});  // [N, C]: along rows
  auto leaky_eval = [&](const Inputs& in) {
    return batch_norm_leaky_relu(in[0], in[1], in[2], running_mean, running_var, false, 0.1, 1e-5, 0.2);
  };
  EXPECT_GRADCHECK(leaky_eval, {normal({2, 5, 2, 2}, gen), uniform({5}, gen, 0.5, 1.5), normal({5}, gen)});
}

TEST_P(GradcheckLayers, InstanceNorm) {
  KernelsGuard guard(GetParam());
  Generator gen(5);
  EXPECT_GRADCHECK([](const Inputs& in) { return instance_norm(in[0]); }, {normal({2, 3, 3, 2}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return instance_norm(in[0], in[1], in[2], 1e-5); },
                   {normal({2, 3, 2, 3}, gen), uniform({3}, gen, 0.5, 1.5), normal({3}, gen)});
}

// ------------------------------------------------------------------------ activations

TEST_P(GradcheckLayers, ReluAndLeakyRelu) {
  KernelsGuard guard(GetParam());
  Generator gen(6);
  EXPECT_GRADCHECK([](const Inputs& in) { return relu(in[0]); }, {away_from_zero({4, 5}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return leaky_relu(in[0], 0.2); }, {away_from_zero({3, 1, 7}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return leaky_relu(in[0].t(), 0.01); }, {away_from_zero({3, 4}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return elu(in[0], 1.0); }, {away_from_zero({3, 1, 7}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return elu(in[0].t(), 0.3); }, {away_from_zero({3, 4}, gen)});
}

TEST_P(GradcheckLayers, TanhAndSigmoid) {
  KernelsGuard guard(GetParam());
  Generator gen(7);
  EXPECT_GRADCHECK([](const Inputs& in) { return tanh(in[0]); }, {uniform({4, 5}, gen, -3, 3)});
  EXPECT_GRADCHECK([](const Inputs& in) { return sigmoid(in[0]); }, {uniform({2, 3, 4}, gen, -6, 6)});
  EXPECT_GRADCHECK([](const Inputs& in) { return sigmoid(in[0]); }, {normal({}, gen)});
}

TEST_P(GradcheckLayers, SoftmaxAndLogSoftmax) {
  KernelsGuard guard(GetParam());
  Generator gen(8);
  for (int dim : {0, 1, -1}) {
    EXPECT_GRADCHECK([dim](const Inputs& in) { return softmax(in[0], dim); }, {normal({3, 4, 2}, gen)});
    EXPECT_GRADCHECK([dim](const Inputs& in) { return log_softmax(in[0], dim); }, {normal({3, 4, 2}, gen)});
  }
  EXPECT_GRADCHECK([](const Inputs& in) { return log_softmax(in[0], 1); }, {normal({5, 1}, gen)});
}

// ------------------------------------------------------------------------ resampling and dropout

TEST_P(GradcheckLayers, UpsampleNearest) {
  KernelsGuard guard(GetParam());
  Generator gen(9);
  EXPECT_GRADCHECK([](const Inputs& in) { return upsample_nearest2d(in[0], 2, 2); }, {normal({2, 3, 2, 3}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return upsample_nearest2d(in[0], 3, 1); }, {normal({1, 1, 1, 2}, gen)});
}

TEST_P(GradcheckLayers, ZeroAndReflectionPad) {
  KernelsGuard guard(GetParam());
  Generator gen(10);
  EXPECT_GRADCHECK([](const Inputs& in) { return zero_pad2d(in[0], 1, 0, 2, 1); }, {normal({2, 2, 3, 3}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return reflection_pad2d(in[0], 1, 2, 2, 1); }, {normal({1, 2, 3, 4}, gen)});
  EXPECT_GRADCHECK([](const Inputs& in) { return reflection_pad2d(in[0], 2, 2, 2, 2); }, {normal({1, 1, 3, 3}, gen)});
}

TEST_P(GradcheckLayers, DropoutWithAFixedGenerator) {
  KernelsGuard guard(GetParam());
  Generator gen(11);
  // A fresh generator per call: every evaluation of f draws the same mask.
  EXPECT_GRADCHECK(
      [](const Inputs& in) {
        Generator g(42);
        return dropout(in[0], 0.3, true, &g);
      },
      {normal({4, 6}, gen)});
  EXPECT_GRADCHECK(
      [](const Inputs& in) {
        Generator g(43);
        return dropout2d(in[0], 0.5, true, &g);
      },
      {normal({3, 4, 2, 2}, gen)});
}

// ------------------------------------------------------------------------ losses

TEST_P(GradcheckLayers, MseAndL1) {
  KernelsGuard guard(GetParam());
  Generator gen(12);
  for (Reduction r : {Reduction::Mean, Reduction::Sum}) {
    EXPECT_GRADCHECK([r](const Inputs& in) { return mse_loss(in[0], in[1], r); }, {normal({3, 4}, gen), normal({3, 4}, gen)});
    Tensor target = normal({2, 5}, gen);
    Tensor input = (target.detach() + away_from_zero({2, 5}, gen).detach()).requires_grad_();  // |x - t| >= 0.25
    EXPECT_GRADCHECK([r](const Inputs& in) { return l1_loss(in[0], in[1], r); }, {input, target});
  }
}

TEST_P(GradcheckLayers, BinaryCrossEntropy) {
  KernelsGuard guard(GetParam());
  Generator gen(13);
  for (Reduction r : {Reduction::Mean, Reduction::Sum}) {
    EXPECT_GRADCHECK([r](const Inputs& in) { return binary_cross_entropy(in[0], in[1], r); },
                     {uniform({3, 4}, gen, 0.05, 0.95), uniform({3, 4}, gen, 0, 1)});
    EXPECT_GRADCHECK([r](const Inputs& in) { return binary_cross_entropy_with_logits(in[0], in[1], r); },
                     {normal({7}, gen), uniform({7}, gen, 0, 1)});
  }
}

TEST_P(GradcheckLayers, CrossEntropy) {
  KernelsGuard guard(GetParam());
  Generator gen(14);
  Tensor targets = from_vector(std::vector<int64_t>{2, 0, 4, 4, 1}, {5});
  for (Reduction r : {Reduction::Mean, Reduction::Sum})
    EXPECT_GRADCHECK([&](const Inputs& in) { return cross_entropy(in[0], targets, r); }, {normal({5, 5}, gen)});
}
