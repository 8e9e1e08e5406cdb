// Optimizers against PyTorch's update rules computed by hand in double, parameter groups
// with their own learning rates, state that round-trips exactly, and the schedules.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "core/ganforge.h"
#include "nn/nn.h"
#include "tests/core/expect_error.h"

using namespace ganforge;
using namespace ganforge::nn;
using ganforge::testing::expect_mentions;
using ganforge::testing::message_of;

namespace {

const TensorOptions kF64 = TensorOptions{}.with_dtype(DType::F64);

Tensor parameter(const std::vector<double>& values) {
  return from_vector(values, {static_cast<int64_t>(values.size())}).requires_grad_();
}

void set_grad(const Tensor& p, const std::vector<double>& g) { p.set_grad(from_vector(g, p.shape())); }

TEST(Adam, TwoStepsFollowPyTorchsFormula) {
  const double lr = 0.1, b1 = 0.9, b2 = 0.99, eps = 1e-8, wd = 0.01;
  Tensor p = parameter({1.0, -2.0, 0.5});
  Adam adam({p}, {.lr = lr, .beta1 = b1, .beta2 = b2, .eps = eps, .weight_decay = wd});
  std::vector<double> want = {1.0, -2.0, 0.5}, m(3, 0), v(3, 0);
  const std::vector<std::vector<double>> grads = {{0.3, -0.1, 2.0}, {-0.2, 0.4, 1.0}};
  for (int t = 1; t <= 2; ++t) {
    set_grad(p, grads[t - 1]);
    adam.step();
    for (int i = 0; i < 3; ++i) {
      const double g = grads[t - 1][i] + wd * want[i];  // L2 weight decay, as torch.optim.Adam
      m[i] = b1 * m[i] + (1 - b1) * g;
      v[i] = b2 * v[i] + (1 - b2) * g * g;
      const double m_hat = m[i] / (1 - std::pow(b1, t)), v_hat = v[i] / (1 - std::pow(b2, t));
      want[i] -= lr * m_hat / (std::sqrt(v_hat) + eps);
    }
    const std::vector<double> got = p.to_vector<double>();
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(got[i], want[i], 1e-14) << "step " << t << " element " << i;
  }
}

TEST(Adam, GroupsHaveTheirOwnLearningRatesAndParamsWithoutGradsWait) {
  Tensor a = parameter({1.0}), b = parameter({1.0}), idle = parameter({1.0});
  Adam adam(std::vector<AdamGroup>{{{a, idle}, {.lr = 0.1}}, {{b}, {.lr = 0.01}}});
  set_grad(a, {1.0});
  set_grad(b, {1.0});
  adam.step();  // the first Adam step moves by lr·sign(g)
  EXPECT_NEAR(a.item<double>(), 0.9, 1e-7);
  EXPECT_NEAR(b.item<double>(), 0.99, 1e-7);
  EXPECT_EQ(idle.item<double>(), 1.0);
  EXPECT_EQ(adam.state_dict().count("state.1.step"), 0u);  // no state for a parameter never updated
  adam.set_lr(1, 0.5);
  EXPECT_EQ(adam.lr(1), 0.5);
  adam.zero_grad();
  EXPECT_FALSE(a.grad().defined());
}

TEST(SGD, MomentumDampeningNesterovAndWeightDecay) {
  for (bool nesterov : {false, true}) {
    const double lr = 0.1, mu = 0.9, damp = nesterov ? 0 : 0.5, wd = 0.1;
    Tensor p = parameter({2.0, -1.0});
    SGD sgd({p}, {.lr = lr, .momentum = mu, .dampening = damp, .weight_decay = wd, .nesterov = nesterov});
    std::vector<double> want = {2.0, -1.0}, buf(2, 0);
    const std::vector<std::vector<double>> grads = {{1.0, 0.5}, {-0.5, 0.25}, {0.1, 0.1}};
    for (size_t t = 0; t < grads.size(); ++t) {
      set_grad(p, grads[t]);
      sgd.step();
      for (int i = 0; i < 2; ++i) {
        const double g = grads[t][i] + wd * want[i];
        buf[i] = t == 0 ? g : mu * buf[i] + (1 - damp) * g;  // the buffer starts as the first gradient
        want[i] -= lr * (nesterov ? g + mu * buf[i] : buf[i]);
      }
      const std::vector<double> got = p.to_vector<double>();
      for (int i = 0; i < 2; ++i) EXPECT_NEAR(got[i], want[i], 1e-14) << "nesterov " << nesterov << " step " << t;
    }
  }
  expect_mentions(message_of<std::invalid_argument>([] { SGD({parameter({1})}, {.momentum = 0, .nesterov = true}); }),
                  {"nesterov", "momentum > 0"});
}

TEST(Optimizers, RejectWhatIsNotAParameter) {
  expect_mentions(message_of<std::invalid_argument>([] { Adam({zeros({2})}); }), {"Adam", "leaf requiring grad"});
  expect_mentions(message_of<std::invalid_argument>([] { Adam({parameter({1})}, {.beta1 = 1.0}); }), {"betas", "[0, 1)"});
  expect_mentions(message_of<std::invalid_argument>([] { SGD({parameter({1})}, {.lr = -1}); }), {"learning rate"});
  const Tensor twice = parameter({1, 2});
  expect_mentions(message_of<std::invalid_argument>([&] { Adam(std::vector<AdamGroup>{{{twice}, {}}, {{twice}, {}}}); }),
                  {"more than once", "group 1"});
}

// Resuming from a saved state gives exactly the updates an uninterrupted run makes.
template <class Make>
void expect_state_round_trip(Make make_optimizer) {
  manual_seed(5);
  Linear model(4, 3);
  auto optimizer = make_optimizer(model);
  Tensor x = randn({8, 4});
  auto train_step = [&](Linear& m, Optimizer& opt) {
    opt.zero_grad();
    mean(pow(m(x), 2.0)).backward();
    opt.step();
  };
  for (int i = 0; i < 3; ++i) train_step(model, *optimizer);
  const std::string path = ::testing::TempDir() + "/optimizer_state.safetensors";
  save_safetensors(path, optimizer->state_dict());
  const StateDict weights = model.state_dict();

  Linear resumed(4, 3);
  resumed.load_state_dict(weights);
  auto resumed_optimizer = make_optimizer(resumed);
  resumed_optimizer->load_state_dict(load_safetensors(path).tensors);
  for (int i = 0; i < 2; ++i) {
    train_step(model, *optimizer);
    train_step(resumed, *resumed_optimizer);
  }
  EXPECT_EQ(model.weight.to_vector<float>(), resumed.weight.to_vector<float>());
  EXPECT_EQ(model.bias.to_vector<float>(), resumed.bias.to_vector<float>());
  std::filesystem::remove(path);
}

TEST(Optimizers, StateRoundTripsExactlyThroughSafetensors) {
  expect_state_round_trip([](Linear& m) {
    return std::make_unique<Adam>(std::vector<AdamGroup>{{{m.weight}, {.lr = 0.01, .beta1 = 0.5}}, {{m.bias}, {.lr = 0.02}}});
  });
  expect_state_round_trip([](Linear& m) { return std::make_unique<SGD>(m.parameters(), SgdOptions{.lr = 0.05, .momentum = 0.9}); });
}

TEST(Optimizers, LoadingAForeignStateIsOneClearError) {
  Linear model(4, 3);
  Adam adam(model.parameters());
  StateDict state = adam.state_dict();
  state.erase("param_groups.0.eps");
  state["state.7.exp_avg"] = zeros({2});
  const std::string message = message_of<std::invalid_argument>([&] { adam.load_state_dict(state); });
  expect_mentions(message, {"missing key 'param_groups.0.eps'", "unexpected key 'state.7.exp_avg'"});
  SGD sgd(model.parameters());
  EXPECT_THROW(sgd.load_state_dict(adam.state_dict()), std::invalid_argument);
}

TEST(Schedules, LinearDecayIsThePix2pixRule) {
  Tensor p = parameter({0});
  Adam adam({p}, {.lr = 2e-4});
  LinearDecayLR schedule(adam, 100, 100);
  EXPECT_EQ(adam.lr(0), 2e-4);
  for (int e = 0; e < 99; ++e) schedule.step();
  EXPECT_DOUBLE_EQ(adam.lr(0), 2e-4);  // epoch 99: still constant
  schedule.step();
  EXPECT_DOUBLE_EQ(adam.lr(0), 2e-4 * (1 - 1.0 / 101));
  for (int e = 0; e < 99; ++e) schedule.step();
  EXPECT_DOUBLE_EQ(adam.lr(0), 2e-4 * (1 - 100.0 / 101));  // epoch 199, the last
  // Its state resumes the schedule where it was.
  Adam other({parameter({0})}, {.lr = 1.0});
  LinearDecayLR resumed(other, 100, 100);
  resumed.load_state_dict(schedule.state_dict());
  EXPECT_EQ(resumed.epoch(), 199);
  EXPECT_DOUBLE_EQ(other.lr(0), adam.lr(0));
}

TEST(Schedules, StepDecay) {
  Tensor p = parameter({0});
  SGD sgd({p}, {.lr = 1.0});
  StepLR schedule(sgd, 3, 0.5);
  std::vector<double> lrs;
  for (int e = 0; e < 7; ++e) {
    schedule.step();
    lrs.push_back(sgd.lr(0));
  }
  EXPECT_EQ(lrs, (std::vector<double>{1, 1, 0.5, 0.5, 0.5, 0.25, 0.25}));
  EXPECT_THROW(StepLR(sgd, 0), std::invalid_argument);
}

}  // namespace
