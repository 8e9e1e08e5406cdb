// Every layer: output shapes, parameter counts and PyTorch's default initialisation, the
// forward and the input/parameter gradients on the cpu backend against the float64
// reference backend, and the train/eval behaviour of batch norm and dropout.
#include <gtest/gtest.h>

#include <cmath>

#include "core/ganforge.h"
#include "nn/nn.h"
#include "tests/core/expect_error.h"

using namespace ganforge;
using namespace ganforge::nn;
using ganforge::testing::expect_mentions;
using ganforge::testing::message_of;

namespace {

double max_abs_difference(const Tensor& a, const Tensor& b) {
  return amax(abs(a.to(DType::F64) - b.to(DType::F64))).item<double>();
}

// Runs forward and backward (against a fixed random upstream gradient) with the `cpu`
// kernels and with the `reference` kernels; outputs and gradients must agree to f32
// rounding over the layer's reduction length (`terms`).
void expect_cpu_matches_reference(Module& layer, const Tensor& input, int64_t terms) {
  struct Run {
    Tensor out, grad_in;
    std::vector<Tensor> grads;
  };
  Generator upstream_gen(7);
  Tensor upstream;
  auto run = [&](const char* kernels) {
    KernelsGuard guard(kernels);
    layer.zero_grad();
    Tensor x = input.detach().clone();
    if (is_floating(x.dtype())) x.requires_grad_();
    Run r;
    r.out = layer(x);
    if (!upstream.defined()) upstream = randn(r.out.shape(), {}, &upstream_gen);
    if (r.out.requires_grad()) (r.out * upstream).sum().backward();
    if (x.requires_grad()) r.grad_in = x.grad();
    for (const Tensor& p : layer.parameters()) r.grads.push_back(p.grad().defined() ? p.grad().clone() : Tensor());
    return r;
  };
  const Run cpu = run("cpu"), ref = run("reference");
  const double tolerance = (8 + 2 * static_cast<double>(terms)) * 0x1p-24 * 16;
  EXPECT_EQ(cpu.out.shape(), ref.out.shape());
  EXPECT_LT(max_abs_difference(cpu.out, ref.out), tolerance) << layer.to_string();
  if (ref.grad_in.defined()) {
    EXPECT_LT(max_abs_difference(cpu.grad_in, ref.grad_in), tolerance) << layer.to_string();
  }
  for (size_t i = 0; i < ref.grads.size(); ++i) {
    if (ref.grads[i].defined()) {
      EXPECT_LT(max_abs_difference(cpu.grads[i], ref.grads[i]), tolerance * 8) << "param " << i;
    }
  }
}

TEST(Layers, LinearShapesCountsInitAndReference) {
  manual_seed(1);
  Linear fc(20, 7);
  EXPECT_EQ(fc.num_parameters(), 20 * 7 + 7);
  EXPECT_EQ(fc.weight.shape(), (Shape{7, 20}));
  const double bound = 1 / std::sqrt(20.0);
  EXPECT_LE(amax(abs(fc.weight)).item<double>(), bound);
  EXPECT_LE(amax(abs(fc.bias)).item<double>(), bound);
  EXPECT_GT(amax(abs(fc.weight)).item<double>(), 0.8 * bound);  // spread over the whole range
  EXPECT_EQ(fc(randn({2, 3, 20})).shape(), (Shape{2, 3, 7}));
  expect_cpu_matches_reference(fc, randn({5, 20}), 20);
  EXPECT_EQ(Linear(4, 3, false).num_parameters(), 12);
  expect_mentions(message_of<std::invalid_argument>([&] { fc(randn({5, 19})); }), {"Linear", "[..., 20]", "[5, 19]"});
}

TEST(Layers, EmbeddingLooksUpRowsAndScattersGradients) {
  Embedding table(10, 4);
  EXPECT_EQ(table.num_parameters(), 40);
  Tensor ids = from_vector(std::vector<int64_t>{3, 3, 9}, {3});
  Tensor rows = table(ids);
  EXPECT_EQ(rows.shape(), (Shape{3, 4}));
  EXPECT_EQ(rows.select(0, 0).to_vector<float>(), table.weight.select(0, 3).to_vector<float>());
  rows.sum().backward();
  EXPECT_EQ(table.weight.grad().select(0, 3).to_vector<float>(), std::vector<float>(4, 2.0f));
  EXPECT_EQ(table.weight.grad().select(0, 0).to_vector<float>(), std::vector<float>(4, 0.0f));
  expect_cpu_matches_reference(table, ids, 2);
  EXPECT_THROW(table(from_vector(std::vector<int64_t>{10}, {1})), std::out_of_range);
}

TEST(Layers, Conv2dGeometryCountsAndReference) {
  Conv2d conv(3, 8, 4, {.stride = 2, .padding = 1, .bias = false});
  EXPECT_EQ(conv.num_parameters(), 8 * 3 * 4 * 4);
  EXPECT_EQ(conv.weight.shape(), (Shape{8, 3, 4, 4}));
  EXPECT_LE(amax(abs(conv.weight)).item<double>(), 1 / std::sqrt(48.0));
  EXPECT_EQ(conv(randn({2, 3, 9, 9})).shape(), (Shape{2, 8, 4, 4}));
  expect_cpu_matches_reference(conv, randn({2, 3, 9, 9}), 48);
  Conv2d rect(2, 3, {3, 1}, {.stride = {1, 2}, .padding = {1, 0}, .dilation = {2, 1}});
  EXPECT_EQ(rect.num_parameters(), 3 * 2 * 3 + 3);
  EXPECT_EQ(rect(randn({1, 2, 7, 6})).shape(), (Shape{1, 3, 5, 3}));
  expect_cpu_matches_reference(rect, randn({1, 2, 7, 6}), 6);
  expect_mentions(message_of<std::invalid_argument>([&] { conv(randn({2, 4, 9, 9})); }), {"Conv2d", "[N, 3, H, W]", "[2, 4, 9, 9]"});
  // Default options (GCC 12's SLP vectorizer once turned this padding into (1, 0)).
  Conv2d plain(3, 2, 7);
  EXPECT_EQ(plain.options.padding.h, 0);
  EXPECT_EQ(plain.options.padding.w, 0);
  EXPECT_EQ(plain.options.stride.w, 1);
  EXPECT_EQ(plain(randn({1, 3, 9, 9})).shape(), (Shape{1, 2, 3, 3}));
  EXPECT_THROW(Conv2d(3, 8, 0), std::invalid_argument);
}

TEST(Layers, ConvTranspose2dOutputPaddingCountsAndReference) {
  ConvTranspose2d up(4, 2, 3, {.stride = 2, .padding = 1, .output_padding = 1});
  EXPECT_EQ(up.weight.shape(), (Shape{4, 2, 3, 3}));
  EXPECT_EQ(up.num_parameters(), 4 * 2 * 9 + 2);
  // PyTorch's fan_in of a transposed conv is weight.size(1)·k·k = 2·9.
  EXPECT_LE(amax(abs(up.weight)).item<double>(), 1 / std::sqrt(18.0));
  EXPECT_EQ(up(randn({1, 4, 5, 5})).shape(), (Shape{1, 2, 10, 10}));
  expect_cpu_matches_reference(up, randn({2, 4, 5, 5}), 36);
  ConvTranspose2d first(16, 8, 4, {.bias = false});
  EXPECT_EQ(first(randn({2, 16, 1, 1})).shape(), (Shape{2, 8, 4, 4}));
  expect_mentions(message_of<std::invalid_argument>([] { ConvTranspose2d(4, 2, 3, {.stride = 2, .output_padding = 2}); }),
                  {"output_padding", "stride"});
}

TEST(Layers, BatchNormTrainingUpdatesRunningStatsLikePyTorch) {
  BatchNorm1d bn(2);
  EXPECT_EQ(bn.num_parameters(), 4);
  Tensor x = from_vector(std::vector<float>{1, 10, 2, 20, 3, 30, 6, 40}, {4, 2});
  Tensor y = bn(x);
  // Channel 0: mean 3, population var 3.5, unbiased var 14/3.
  EXPECT_NEAR(bn.running_mean.to_vector<float>()[0], 0.1 * 3, 1e-6);
  EXPECT_NEAR(bn.running_var.to_vector<float>()[0], 0.9 + 0.1 * 14.0 / 3, 1e-6);
  EXPECT_NEAR(y.to_vector<float>()[0], (1 - 3) / std::sqrt(3.5 + 1e-5), 1e-5);
  EXPECT_EQ(bn.num_batches_tracked.item<int64_t>(), 1);
  bn.eval();
  Tensor z = bn(x);  // running statistics now, and no update
  EXPECT_NEAR(z.to_vector<float>()[0], (1 - 0.3) / std::sqrt(0.9 + 1.4 / 3 + 1e-5), 1e-5);
  EXPECT_EQ(bn.num_batches_tracked.item<int64_t>(), 1);
  bn.train();
  expect_mentions(message_of<std::invalid_argument>([&] { bn(randn({1, 2})); }), {"more than 1 value per channel"});
  EXPECT_EQ(bn.num_batches_tracked.item<int64_t>(), 1);  // a refused batch is not counted
}

TEST(Layers, BatchNormCumulativeMomentumAndNoTracking) {
  BatchNorm2d cumulative(1, {.momentum = std::nullopt});
  cumulative(full({2, 1, 2, 2}, 2.0));
  cumulative(full({2, 1, 2, 2}, 4.0));
  EXPECT_NEAR(cumulative.running_mean.item<float>(), 3.0, 1e-6);  // the plain average of the two batch means
  BatchNorm2d untracked(3, {.affine = false, .track_running_stats = false});
  EXPECT_EQ(untracked.num_parameters(), 0);
  EXPECT_TRUE(untracked.named_buffers().empty());
  untracked.eval();
  Tensor y = untracked(randn({4, 3, 5, 5}) * 3.0 + 1.0);  // batch statistics even in eval
  EXPECT_NEAR(y.mean().item<double>(), 0, 1e-5);
  BatchNorm2d bn(3, {.eps = 0.8});
  expect_cpu_matches_reference(bn, randn({3, 3, 5, 7}), 105);
  expect_mentions(message_of<std::invalid_argument>([&] { bn(randn({2, 3, 4})); }), {"BatchNorm2d", "[N, 3, H, W]"});
}

TEST(Layers, InstanceNormNormalisesEachSampleAndChannel) {
  InstanceNorm2d norm(3);
  EXPECT_EQ(norm.num_parameters(), 0);
  Tensor y = norm(randn({2, 3, 6, 6}) * 5.0 + 2.0);
  Tensor means = y.mean({2, 3});
  EXPECT_LT(amax(abs(means)).item<double>(), 1e-5);
  InstanceNorm2d affine(3, {.affine = true});
  EXPECT_EQ(affine.num_parameters(), 6);
  expect_cpu_matches_reference(affine, randn({2, 3, 5, 4}), 20);
}

TEST(Layers, ActivationsMatchTheirOps) {
  Tensor x = randn({3, 5}) * 4.0;
  EXPECT_EQ(ReLU()(x).to_vector<float>(), relu(x).to_vector<float>());
  EXPECT_EQ(LeakyReLU(0.2)(x).to_vector<float>(), leaky_relu(x, 0.2).to_vector<float>());
  EXPECT_EQ(ELU(0.5)(x).to_vector<float>(), elu(x, 0.5).to_vector<float>());
  EXPECT_EQ(ELU().extra_repr(), "alpha=1");
  EXPECT_EQ(Tanh()(x).to_vector<float>(), tanh(x).to_vector<float>());
  EXPECT_EQ(Sigmoid()(x).to_vector<float>(), sigmoid(x).to_vector<float>());
  Tensor p = Softmax(1)(x);
  EXPECT_LT(max_abs_difference(p.sum({1}), ones({3})), 1e-6);
  for (std::shared_ptr<Module> m : std::vector<std::shared_ptr<Module>>{make<ReLU>(), make<LeakyReLU>(0.2), make<ELU>(), make<Tanh>(),
                                                                         make<Sigmoid>(), make<Softmax>(-1)})
    expect_cpu_matches_reference(*m, x, 5);
}

TEST(Layers, DropoutDropsOnlyInTraining) {
  Dropout drop(0.25);
  Tensor x = ones({100, 100});
  Tensor y = drop(x);
  const double kept = gt(y, zeros_like(y)).to(DType::F64).mean().item<double>();
  EXPECT_NEAR(kept, 0.75, 0.02);
  EXPECT_NEAR(amax(y).item<double>(), 1 / 0.75, 1e-6);
  drop.eval();
  EXPECT_TRUE(drop(x).same(x));
  Dropout2d channels(0.5);
  Tensor z = channels(ones({4, 8, 3, 3}));
  Tensor per_channel_min = amin(z, {2, 3}), per_channel_max = amax(z, {2, 3});
  EXPECT_EQ(per_channel_min.to_vector<float>(), per_channel_max.to_vector<float>());  // whole channels
  EXPECT_THROW(Dropout(1.5), std::invalid_argument);
}

TEST(Layers, ResamplingAndShapeLayers) {
  Tensor x = randn({2, 3, 4, 5});
  EXPECT_EQ(Upsample(2)(x).shape(), (Shape{2, 3, 8, 10}));
  EXPECT_EQ(ReflectionPad2d(3)(x).shape(), (Shape{2, 3, 10, 11}));
  EXPECT_EQ(ZeroPad2d({1, 0, 2, 0})(x).shape(), (Shape{2, 3, 6, 6}));  // (left, right, top, bottom)
  Tensor padded = ZeroPad2d({1, 0, 2, 0})(x);
  EXPECT_EQ(padded.select(2, 0).sum().item<float>(), 0.0f);
  EXPECT_EQ(padded.select(2, 2).select(2, 1).to_vector<float>(), x.select(2, 0).select(2, 0).to_vector<float>());
  EXPECT_EQ(Flatten()(x).shape(), (Shape{2, 60}));
  EXPECT_TRUE(Identity()(x).same(x));
  for (std::shared_ptr<Module> m : std::vector<std::shared_ptr<Module>>{make<Upsample>(2), make<ReflectionPad2d>(Padding2d{1, 2, 3, 0}),
                                                                         make<ZeroPad2d>(2)})
    expect_cpu_matches_reference(*m, x, 4);
  expect_mentions(message_of<std::invalid_argument>([&] { ReflectionPad2d(4)(x); }), {"padding"});
}

TEST(Layers, LossModulesMatchTheFusedLosses) {
  Tensor logits = randn({6, 4}), target = rand({6, 4});
  EXPECT_EQ(BCEWithLogitsLoss{}(logits, target).item<float>(), binary_cross_entropy_with_logits(logits, target).item<float>());
  EXPECT_EQ(BCELoss{Reduction::Sum}(sigmoid(logits), target).item<float>(),
            binary_cross_entropy(sigmoid(logits), target, Reduction::Sum).item<float>());
  EXPECT_EQ(MSELoss{}(logits, target).item<float>(), mse_loss(logits, target).item<float>());
  EXPECT_EQ(L1Loss{}(logits, target).item<float>(), l1_loss(logits, target).item<float>());
  Tensor labels = from_vector(std::vector<int64_t>{0, 1, 2, 3, 0, 1}, {6});
  EXPECT_EQ(CrossEntropyLoss{}(logits, labels).item<float>(), cross_entropy(logits, labels).item<float>());
}

TEST(Init, FansGainsAndDistributions) {
  Tensor w = empty({64, 32, 3, 3});
  EXPECT_EQ(init::fans(w).in, 32 * 9);
  EXPECT_EQ(init::fans(w).out, 64 * 9);
  EXPECT_DOUBLE_EQ(init::calculate_gain("leaky_relu", 0.2), std::sqrt(2 / 1.04));
  EXPECT_DOUBLE_EQ(init::calculate_gain("tanh"), 5.0 / 3);
  EXPECT_THROW(init::calculate_gain("swish"), std::invalid_argument);
  Generator gen(3);
  init::normal_(w, 0, 0.02, &gen);
  EXPECT_NEAR(w.mean().item<double>(), 0, 0.002);
  EXPECT_NEAR(std::sqrt(w.var().item<double>()), 0.02, 0.001);
  init::kaiming_normal_(w, 0, init::FanMode::FanIn, "relu", &gen);
  EXPECT_NEAR(std::sqrt(w.var().item<double>()), std::sqrt(2.0 / (32 * 9)), 0.003);
  init::xavier_uniform_(w, 1, &gen);
  const double bound = std::sqrt(6.0 / (32 * 9 + 64 * 9));
  EXPECT_LE(amax(abs(w)).item<double>(), bound);
  EXPECT_NEAR(std::sqrt(w.var().item<double>()), bound / std::sqrt(3.0), 0.002);
  init::constant_(w, 0.5);
  EXPECT_EQ(amin(w).item<float>(), 0.5f);
  // Applied over a tree, as the DCGAN recipe does to its conv weights.
  auto net = make<Sequential>(std::initializer_list<std::shared_ptr<Module>>{make<Conv2d>(1, 4, 3), make<BatchNorm2d>(4)});
  net->apply([](Module& m) {
    if (auto* conv = dynamic_cast<Conv2d*>(&m)) init::zeros_(conv->weight);
  });
  EXPECT_EQ(amax(abs(net->parameters()[0])).item<float>(), 0.0f);
  EXPECT_TRUE(net->parameters()[0].requires_grad());
}

// Sequential runs a batch norm and the ReLU / LeakyReLU after it as one fused layer: the same
// outputs, gradients and running statistics, bit for bit, as running each module on its own.
TEST(Sequential, FusesBatchNormWithTheActivationAfterItBitForBit) {
  auto build = [] {
    manual_seed(7);
    return make<Sequential>(std::initializer_list<std::shared_ptr<Module>>{
        make<Conv2d>(3, 8, 3), make<BatchNorm2d>(8), make<LeakyReLU>(0.2), make<Conv2d>(8, 4, 3), make<BatchNorm2d>(4),
        make<ReLU>(), make<Flatten>(), make<Linear>(4 * 4 * 4, 6), make<BatchNorm1d>(6), make<LeakyReLU>(0.2)});
  };
  auto fused = build(), separate = build();
  Generator gen(3);
  const Tensor x = randn({5, 3, 8, 8}, {}, &gen);
  for (int step = 0; step < 2; ++step) {  // the second step normalises with updated running statistics in eval
    if (step == 1) {
      fused->eval();
      separate->eval();
    }
    Profiler profiler;
    profiler.start();
    Tensor a = (*fused)(x);
    profiler.stop();
    int64_t fused_calls = 0;
    for (const ProfileRow& row : profiler.table().rows)
      if (row.name == "batch_norm_act_forward_train") fused_calls = row.calls;
    EXPECT_EQ(fused_calls, step == 0 ? 3 : 0) << "training fuses the three pairs; eval composes";
    Tensor b = x;
    for (size_t i = 0; i < separate->size(); ++i) b = (*separate)[i](b);
    EXPECT_EQ(a.to_vector<float>(), b.to_vector<float>()) << "step " << step;
    if (step == 0) {
      (a * a).sum().backward();
      (b * b).sum().backward();
    }
  }
  const auto pa = fused->named_parameters(), pb = separate->named_parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i)
    EXPECT_EQ(pa[i].second.grad().to_vector<float>(), pb[i].second.grad().to_vector<float>()) << pa[i].first;
  const auto ba = fused->named_buffers(), bb = separate->named_buffers();
  for (size_t i = 0; i < ba.size(); ++i) {
    if (ba[i].second.dtype() != DType::F32) continue;  // num_batches_tracked
    EXPECT_EQ(ba[i].second.to_vector<float>(), bb[i].second.to_vector<float>()) << ba[i].first;
  }
}

TEST(Init, SameSeedSameWeights) {
  manual_seed(42);
  Conv2d a(3, 5, 3);
  manual_seed(42);
  Conv2d b(3, 5, 3);
  EXPECT_EQ(a.weight.to_vector<float>(), b.weight.to_vector<float>());
  EXPECT_EQ(a.bias.to_vector<float>(), b.bias.to_vector<float>());
}

}  // namespace
