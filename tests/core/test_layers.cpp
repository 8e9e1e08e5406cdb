// Semantics of the GAN-layer ops against hand-computed PyTorch values, on every CPU backend:
// batch norm running statistics and eval mode, instance norm, saturating activations,
// losses at extreme inputs, dropout masks, the first optimizer steps, and the errors.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/ganforge.h"
#include "kernels/registry.h"

using namespace ganforge;

namespace {

const TensorOptions kF64 = TensorOptions{}.with_dtype(DType::F64);

Tensor f64(const std::vector<double>& values, const Shape& shape) { return from_vector(values, shape); }
Tensor f32(const std::vector<float>& values, const Shape& shape) { return from_vector(values, shape); }

void expect_values(const Tensor& t, const std::vector<double>& want, double tolerance) {
  std::vector<double> got = t.to(DType::F64).to_vector<double>();
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], tolerance) << "element " << i;
}

// Runs f and expects an std::exception whose message contains `part`.
template <class F>
void expect_error(F&& f, const std::string& part) {
  try {
    f();
    ADD_FAILURE() << "expected an error containing \"" << part << "\"";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

std::string backend_name(const ::testing::TestParamInfo<std::string>& info) { return info.param; }

class Layers : public ::testing::TestWithParam<std::string> {};

}  // namespace

INSTANTIATE_TEST_SUITE_P(Backends, Layers, ::testing::Values(std::string("reference"), std::string("cpu")), backend_name);

// ------------------------------------------------------------------------ batch norm

TEST_P(Layers, BatchNormTrainingUpdatesRunningStatsAsPyTorch) {
  KernelsGuard guard(GetParam());
  // channel 0: 1, 2, 3, 4 (mean 2.5, biased var 1.25, unbiased 5/3); channel 1: 0, 0, 2, 2 (mean 1, var 1, 4/3)
  Tensor x = f64({1, 0, 2, 0, 3, 2, 4, 2}, {4, 2});
  Tensor running_mean = zeros({2}, kF64), running_var = ones({2}, kF64);
  Tensor y = batch_norm(x, Tensor(), Tensor(), running_mean, running_var, true, 0.1, 1e-5);
  // running = 0.9·running + 0.1·batch statistic, the variance unbiased
  expect_values(running_mean, {0.25, 0.1}, 1e-15);
  expect_values(running_var, {0.9 + 0.1 * 5.0 / 3.0, 0.9 + 0.1 * 4.0 / 3.0}, 1e-15);
  const double s0 = 1 / std::sqrt(1.25 + 1e-5), s1 = 1 / std::sqrt(1.0 + 1e-5);
  expect_values(y, {-1.5 * s0, -s1, -0.5 * s0, -s1, 0.5 * s0, s1, 1.5 * s0, s1}, 1e-12);
  // a second step moves them again by the same rule
  batch_norm(x, Tensor(), Tensor(), running_mean, running_var, true, 0.1, 1e-5);
  expect_values(running_mean, {0.9 * 0.25 + 0.25, 0.9 * 0.1 + 0.1}, 1e-15);
}

TEST_P(Layers, BatchNormEvalUsesRunningStats) {
  KernelsGuard guard(GetParam());
  Tensor x = f64({1, 0, 2, 0, 3, 2, 4, 2}, {2, 2, 2, 1});
  Tensor running_mean = f64({0.5, -1}, {2}), running_var = f64({4, 0.25}, {2});
  Tensor gamma = f64({2, 3}, {2}), beta = f64({0.5, -0.5}, {2});
  Tensor y = batch_norm(x, gamma, beta, running_mean, running_var, false, 0.1, 0.0);
  // y = (x - mean) / sqrt(var) · gamma + beta: channel 0 gives x itself, channel 1 gives 6x + 5.5;
  // the running statistics are left alone
  expect_values(y, {1, 0, 17.5, 5.5, 3, 2, 29.5, 17.5}, 1e-12);
  expect_values(running_mean, {0.5, -1}, 0);
  expect_values(running_var, {4, 0.25}, 0);
}

TEST_P(Layers, BatchNormRefusesOneValuePerChannelInTraining) {
  KernelsGuard guard(GetParam());
  for (const Shape& shape : {Shape{1, 3}, Shape{1, 3, 1, 1}})
    expect_error([&] { batch_norm(randn(shape), Tensor(), Tensor(), Tensor(), Tensor(), true); },
                 "Expected more than 1 value per channel when training");
  Tensor running_mean = zeros({3}), running_var = ones({3});
  EXPECT_NO_THROW(batch_norm(randn({1, 3}), Tensor(), Tensor(), running_mean, running_var, false));
  expect_error([&] { batch_norm(randn({2, 3}), ones({4}), Tensor(), Tensor(), Tensor(), true); }, "gamma must have shape [3]");
  expect_error([&] { batch_norm(randn({2, 3}), Tensor(), Tensor(), Tensor(), Tensor(), false); }, "needs running_mean");
}

TEST_P(Layers, InstanceNormNormalisesEachPlane) {
  KernelsGuard guard(GetParam());
  Generator gen(3);
  Tensor x = randn({2, 3, 4, 5}, kF64, &gen, 3.0, 2.0);
  Tensor y = instance_norm(x, Tensor(), Tensor(), 0.0);
  expect_values(y.mean({2, 3}), std::vector<double>(6, 0.0), 1e-12);
  expect_values(y.var({2, 3}, 0), std::vector<double>(6, 1.0), 1e-12);
  Tensor affine = instance_norm(x, f64({1, 2, 3}, {3}), f64({0, 10, 20}, {3}), 0.0);
  expect_values(affine.mean({2, 3}), {0, 10, 20, 0, 10, 20}, 1e-12);
  expect_error([&] { instance_norm(randn({2, 3, 1, 1})); }, "Expected more than 1 spatial element");
}

// ------------------------------------------------------------------------ activations

TEST_P(Layers, TanhAndSigmoidSaturateWithoutNaN) {
  KernelsGuard guard(GetParam());
  for (DType dtype : {DType::F32, DType::F64}) {
    Tensor x = f64({-INFINITY, -1e4, 0, 1e4, INFINITY}, {5}).to(dtype).requires_grad_();
    Tensor t = tanh(x), s = sigmoid(x);
    expect_values(t, {-1, -1, 0, 1, 1}, 0);
    expect_values(s, {0, 0, 0.5, 1, 1}, 0);
    (t.sum() + s.sum()).backward();
    expect_values(x.grad(), {0, 0, 1.25, 0, 0}, 1e-7);  // tanh'(0) + sigmoid'(0) = 1 + 1/4
  }
}

TEST_P(Layers, ReluAndLeakyReluValues) {
  KernelsGuard guard(GetParam());
  Tensor x = f32({-2, -0.5, 0, 3}, {4});
  expect_values(relu(x), {0, 0, 0, 3}, 0);
  expect_values(leaky_relu(x, 0.2), {-0.4, -0.1, 0, 3}, 1e-7);
  expect_values(elu(x, 0.5), {0.5 * std::expm1(-2.0), 0.5 * std::expm1(-0.5), 0, 3}, 1e-7);
  expect_error([&] { elu(x, -1); }, "elu: alpha must be >= 0");
  expect_values(softmax(f64({1e4, 1e4, -INFINITY}, {3}), 0), {0.5, 0.5, 0}, 0);
}

// ------------------------------------------------------------------------ losses

TEST_P(Layers, BinaryCrossEntropyClampsItsLogs) {
  KernelsGuard guard(GetParam());
  Tensor p = f64({0, 1, 0, 1}, {4}).requires_grad_();
  Tensor t = f64({1, 0, 0, 1}, {4});
  Tensor loss = binary_cross_entropy(p, t, Reduction::Sum);
  EXPECT_DOUBLE_EQ(loss.item<double>(), 200.0);  // -log clamped at 100 where the prediction is certain and wrong
  loss.backward();
  for (double g : p.grad().to_vector<double>()) EXPECT_TRUE(std::isfinite(g));
  expect_error([&] { binary_cross_entropy(f64({0.5, 1.5}, {2}), f64({1, 0}, {2})); }, "must lie in [0, 1]");
}

TEST_P(Layers, BinaryCrossEntropyWithLogitsIsStableAtLargeLogits) {
  KernelsGuard guard(GetParam());
  for (DType dtype : {DType::F32, DType::F64}) {
    Tensor z = f64({1e4, -1e4, 1e4, -1e4}, {4}).to(dtype).requires_grad_();
    Tensor t = f64({0, 1, 1, 0}, {4}).to(dtype);
    Tensor loss = binary_cross_entropy_with_logits(z, t, Reduction::Sum);
    EXPECT_DOUBLE_EQ(loss.item<double>(), 2e4);
    loss.backward();
    expect_values(z.grad(), {1, -1, 0, 0}, 0);  // sigmoid(z) - t
  }
}

TEST_P(Layers, CrossEntropyAtLargeLogitsAndBadTargets) {
  KernelsGuard guard(GetParam());
  Tensor z = f64({1e4, -1e4, 0, -1e4, 1e4, 0}, {2, 3}).requires_grad_();
  Tensor loss = cross_entropy(z, from_vector(std::vector<int64_t>{0, 0}, {2}), Reduction::Mean);
  EXPECT_DOUBLE_EQ(loss.item<double>(), 1e4);  // row 0 is certain and right (0), row 1 wrong by 2e4
  loss.backward();
  expect_values(z.grad(), {0, 0, 0, -0.5, 0.5, 0}, 1e-300);
  expect_error([&] { cross_entropy(z, from_vector(std::vector<int64_t>{0, 3}, {2})); }, "target 3 at position 1 is out of range for 3 classes");
  expect_error([&] { cross_entropy(z, from_vector(std::vector<int64_t>{-1, 0}, {2})); }, "out of range");
  expect_error([&] { mse_loss(zeros({2, 3}), zeros({3, 2})); }, "must have the same shape");
}

// ------------------------------------------------------------------------ resampling

TEST_P(Layers, PaddingAndUpsamplingValues) {
  KernelsGuard guard(GetParam());
  Tensor x = f32({1, 2, 3}, {1, 1, 1, 3});
  expect_values(reflection_pad2d(x, 0, 0, 2, 1), {3, 2, 1, 2, 3, 2}, 0);
  expect_values(zero_pad2d(x, 1, 0, 0, 1), {0, 0, 0, 0, 1, 2, 3, 0}, 0);
  expect_values(upsample_nearest2d(f32({1, 2}, {1, 1, 1, 2}), 2, 2), {1, 1, 2, 2, 1, 1, 2, 2}, 0);
  expect_error([&] { reflection_pad2d(x, 1, 0, 0, 0); }, "each padding must be less than the input size");
  expect_error([&] { reflection_pad2d(x, 0, 0, 3, 0); }, "for width 3");
  expect_error([&] { zero_pad2d(x, -1, 0, 0, 0); }, "paddings must be >= 0");
}

// ------------------------------------------------------------------------ dropout

TEST_P(Layers, DropoutMaskIsReproducibleAndHasTheRightRate) {
  KernelsGuard guard(GetParam());
  const double p = 0.3;
  const int64_t n = 1 << 16;
  Tensor x = ones({n});
  Generator a(7), b(7);
  Tensor y = dropout(x, p, true, &a);
  EXPECT_EQ(dropout(x, p, true, &b).to_vector<float>(), y.to_vector<float>());  // same seed, same mask
  // Each element is zeroed independently with probability p: the zero fraction has standard
  // deviation sqrt(p(1-p)/n) ≈ 0.0018; 6 of them bound it (false alarm < 1e-8).
  std::vector<float> values = y.to_vector<float>();
  int64_t zeros_seen = 0;
  for (float v : values) {
    if (v == 0) ++zeros_seen;
    else EXPECT_FLOAT_EQ(v, static_cast<float>(1 / (1 - p)));  // survivors scaled by 1/(1-p)
  }
  EXPECT_NEAR(static_cast<double>(zeros_seen) / n, p, 6 * std::sqrt(p * (1 - p) / n));
  EXPECT_TRUE(dropout(x, p, false, &a).same(x));  // eval: the identity
  expect_values(dropout(x.narrow(0, 0, 4), 1.0, true, &a), {0, 0, 0, 0}, 0);
  expect_error([&] { dropout(x, 1.5, true); }, "probability p must be in [0, 1]");
  expect_error([&] { dropout(x, -0.1, true); }, "probability p must be in [0, 1]");
}

TEST(LayersAcrossBackends, DropoutMaskIsTheSameOnEveryBackend) {
  Tensor x = randn({4, 8, 3, 3});
  std::vector<std::vector<float>> results;
  for (const char* backend : {"reference", "cpu"}) {
    KernelsGuard guard(backend);
    Generator g(99);
    results.push_back(dropout2d(x, 0.5, true, &g).to_vector<float>());
  }
  EXPECT_EQ(results[0], results[1]);
}

TEST_P(Layers, Dropout2dZeroesWholeChannels) {
  KernelsGuard guard(GetParam());
  Generator g(5);
  Tensor y = dropout2d(ones({8, 16, 3, 3}), 0.5, true, &g);
  Tensor per_channel = y.max({2, 3}) - y.min({2, 3});
  expect_values(per_channel, std::vector<double>(8 * 16, 0.0), 0);  // each channel all 0 or all 2
}

// ------------------------------------------------------------------------ optimizers

TEST_P(Layers, AdamFirstTwoStepsMatchPyTorch) {
  KernelsGuard guard(GetParam());
  for (double decay : {0.0, 0.01}) {
    Tensor param = f64({1.0}, {1}), m = zeros({1}, kF64), v = zeros({1}, kF64);
    AdamParams p;
    p.lr = 0.1;
    p.weight_decay = decay;
    // wd 0: step 1: m = 0.05, v = 0.00025, θ = 1 - (0.1/0.1)·0.05/(sqrt(0.00025/0.001) + 1e-8)
    //       step 2: m = 0.02, v = 0.00031225, θ -= (0.1/0.19)·0.02/(sqrt(0.00031225/0.001999) + 1e-8)
    // wd 0.01: the gradient is first increased by 0.01·θ
    const double want[2][2] = {{0.900000002, 0.8733662987078463}, {0.9000000019607843, 0.8712293476231743}};
    const double grads[2] = {0.5, -0.25};
    for (int step = 1; step <= 2; ++step) {
      p.step = step;
      adam_step(param, f64({grads[step - 1]}, {1}), m, v, p);
      EXPECT_NEAR(param.item<double>(), want[decay != 0][step - 1], 1e-14) << "step " << step << " decay " << decay;
    }
  }
}

TEST_P(Layers, SgdFirstTwoStepsMatchPyTorch) {
  KernelsGuard guard(GetParam());
  struct Run {
    double momentum, dampening, decay;
    bool nesterov;
    double want[2];
  };
  // lr 0.1, θ0 = 1, gradients 0.5 then -0.25:
  //  momentum 0.9: b = 0.5, θ = 0.95; b = 0.45 - 0.25 = 0.2, θ = 0.93
  //  nesterov: d = 0.5 + 0.45, θ = 0.905; b = 0.2, d = -0.25 + 0.18, θ = 0.912
  //  dampening 0.1, wd 0.01: d = 0.51 = b (the first step takes the gradient whole), θ = 0.949;
  //    d = -0.25 + 0.00949, b = 0.459 + 0.9·d = 0.242541, θ = 0.9247459
  //  no momentum: θ = 0.95, then 0.975
  for (const Run& r : {Run{0.9, 0, 0, false, {0.95, 0.93}}, Run{0.9, 0, 0, true, {0.905, 0.912}},
                       Run{0.9, 0.1, 0.01, false, {0.949, 0.9247459}}, Run{0, 0, 0, false, {0.95, 0.975}}}) {
    Tensor param = f64({1.0}, {1}), buffer = full({1}, NAN, kF64);  // the first step must not read it
    SgdParams p;
    p.lr = 0.1;
    p.momentum = r.momentum;
    p.dampening = r.dampening;
    p.weight_decay = r.decay;
    p.nesterov = r.nesterov;
    const double grads[2] = {0.5, -0.25};
    for (int step = 0; step < 2; ++step) {
      p.first_step = step == 0;
      sgd_step(param, f64({grads[step]}, {1}), buffer, p);
      EXPECT_NEAR(param.item<double>(), r.want[step], 1e-14) << "momentum " << r.momentum << " nesterov " << r.nesterov;
    }
  }
  Tensor param = zeros({2});
  expect_error([&] { sgd_step(param, zeros({3}), Tensor(), SgdParams{}); }, "grad [3] must match the parameter [2]");
}

// The list forms (one adam_step_multi / sgd_step_multi primitive call) give exactly what a loop
// of single-tensor steps gives, over two steps, on every backend that can run here: on
// cuda-sim that is the multi-tensor kernel, one tensor spanning several of its chunks.
TEST(OptimizerLists, ListStepsEqualALoopOfSingleSteps) {
  const std::vector<std::pair<Shape, DType>> specs = {
      {{1}, DType::F32}, {{7, 3}, DType::F64}, {{5000}, DType::F32}, {{2, 3, 4}, DType::F32}};
  for (kernels::Backend* backend : kernels::all_backends()) {
    if (!backend->available()) continue;
    KernelsGuard guard(backend->name());
    const Device device{backend->device_type(), 0};
    // Two identical sets of parameters and state: lists[0] stepped as lists, lists[1] one by one.
    std::vector<Tensor> params[2], grads, exp_avgs[2], exp_avg_sqs[2], buffers[2], initial;
    Generator gen(17);
    for (const auto& [shape, dtype] : specs) {
      const TensorOptions options = TensorOptions{}.with_dtype(dtype).with_device(device);
      grads.push_back(randn(shape, options, &gen));
      Tensor p = randn(shape, options, &gen), m = randn(shape, options, &gen), v = rand(shape, options, &gen);
      Tensor b = randn(shape, options, &gen);
      initial.push_back(p);
      for (int copy = 0; copy < 2; ++copy) {
        params[copy].push_back(p.clone());
        exp_avgs[copy].push_back(m.clone());
        exp_avg_sqs[copy].push_back(v.clone());
        buffers[copy].push_back(b.clone());
      }
    }
    AdamParams adam;
    adam.weight_decay = 0.01;
    SgdParams sgd;
    sgd.momentum = 0.9;
    sgd.nesterov = true;
    for (int step = 1; step <= 2; ++step) {
      adam.step = step;
      sgd.first_step = step == 1;
      adam_step(params[0], grads, exp_avgs[0], exp_avg_sqs[0], adam);
      sgd_step(params[0], grads, buffers[0], sgd);
      for (size_t i = 0; i < specs.size(); ++i) {
        adam_step(params[1][i], grads[i], exp_avgs[1][i], exp_avg_sqs[1][i], adam);
        sgd_step(params[1][i], grads[i], buffers[1][i], sgd);
      }
    }
    auto host = [](const Tensor& t) { return t.to(Device{}).to(DType::F64).to_vector<double>(); };
    for (size_t i = 0; i < specs.size(); ++i) {
      EXPECT_EQ(host(params[0][i]), host(params[1][i])) << backend->name() << " parameter " << i;
      EXPECT_EQ(host(exp_avgs[0][i]), host(exp_avgs[1][i])) << backend->name() << " exp_avg " << i;
      EXPECT_EQ(host(exp_avg_sqs[0][i]), host(exp_avg_sqs[1][i])) << backend->name() << " exp_avg_sq " << i;
      EXPECT_EQ(host(buffers[0][i]), host(buffers[1][i])) << backend->name() << " momentum buffer " << i;
      EXPECT_NE(host(params[0][i]), host(initial[i])) << backend->name() << " parameter " << i << " did not move";
    }
  }
}

TEST(OptimizerLists, ListStepsCheckEveryElementAsTheSingleSteps) {
  const std::vector<Tensor> params = {zeros({2}), zeros({3})}, state = {zeros({2}), zeros({3})};
  expect_error([&] { adam_step(params, {zeros({2})}, state, state, AdamParams{}); }, "adam_step: 2 params but 1 grads");
  expect_error([&] { adam_step(params, {zeros({2}), zeros({4})}, state, state, AdamParams{}); },
               "adam_step (parameter 1): grad [4] must match the parameter [3]");
  expect_error([&] { adam_step(params, params, state, {zeros({2}), zeros({3}, kF64)}, AdamParams{}); },
               "adam_step (parameter 1): exp_avg_sq [3] f64 must match the parameter [3] f32");
  SgdParams momentum;
  momentum.momentum = 0.9;
  expect_error([&] { sgd_step(params, params, {}, momentum); }, "sgd_step: 2 params but 0 momentum_buffers");
  expect_error([&] { sgd_step(params, params, {zeros({2}), zeros({6}).slice(0, 0, 6, 2)}, momentum); },
               "sgd_step (parameter 1): momentum_buffer must be contiguous");
  sgd_step(params, params, {}, SgdParams{});             // no momentum: no buffers needed
  sgd_step(std::vector<Tensor>{}, {}, {}, SgdParams{});  // nothing to do
}
