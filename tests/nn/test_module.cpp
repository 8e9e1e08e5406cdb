// Module mechanics: registration and PyTorch's dotted names, traversal order, train/eval,
// device moves that keep handles valid, zero_grad, apply, parameter counts, printing and
// the per-layer summary.
#include <gtest/gtest.h>

#include "core/ganforge.h"
#include "nn/nn.h"
#include "tests/core/expect_error.h"

using namespace ganforge;
using namespace ganforge::nn;
using ganforge::testing::expect_mentions;
using ganforge::testing::message_of;

namespace {

std::vector<std::string> names_of(const std::vector<std::pair<std::string, Tensor>>& list) {
  std::vector<std::string> names;
  for (const auto& [name, t] : list) names.push_back(name);
  return names;
}

// A module with a child of its own, as models are written: members registered in order.
struct Block : Module {
  Block() {
    scale = register_parameter("scale", ones({3}));
    body = register_module("body", make<Sequential>(std::initializer_list<std::shared_ptr<Module>>{
                                       make<Linear>(3, 4), make<BatchNorm1d>(4), make<LeakyReLU>(0.2)}));
    head = register_module("head", make<Linear>(4, 1, false));
  }
  Tensor forward(const Tensor& x) override { return (*head)((*body)(x * scale)); }
  std::string type_name() const override { return "Block"; }
  Tensor scale;
  std::shared_ptr<Sequential> body;
  std::shared_ptr<Linear> head;
};

TEST(Module, DottedNamesInRegistrationOrderAsPyTorch) {
  auto block = make<Block>();
  EXPECT_EQ(names_of(block->named_parameters()),
            (std::vector<std::string>{"scale", "body.0.weight", "body.0.bias", "body.1.weight", "body.1.bias", "head.weight"}));
  EXPECT_EQ(names_of(block->named_buffers()),
            (std::vector<std::string>{"body.1.running_mean", "body.1.running_var", "body.1.num_batches_tracked"}));
  EXPECT_EQ(names_of(block->named_parameters(false)), (std::vector<std::string>{"scale"}));
  std::vector<std::string> modules;
  for (auto& [name, m] : block->named_modules()) modules.push_back(name + ":" + m->type_name());
  EXPECT_EQ(modules, (std::vector<std::string>{":Block", "body:Sequential", "body.0:Linear", "body.1:BatchNorm1d",
                                                "body.2:LeakyReLU", "head:Linear"}));
  const StateDict state = block->state_dict();
  EXPECT_EQ(state.size(), 9u);
  EXPECT_EQ(state.at("body.1.num_batches_tracked").dtype(), DType::I64);
  EXPECT_EQ(state.at("body.1.num_batches_tracked").dim(), 0);
}

TEST(Module, ParameterCountIsEveryTrainableScalar) {
  auto block = make<Block>();
  EXPECT_EQ(block->num_parameters(), 3 + (3 * 4 + 4) + (4 + 4) + 4);
  for (const Tensor& p : block->parameters()) EXPECT_TRUE(p.requires_grad());
  for (const Tensor& b : block->buffers()) EXPECT_FALSE(b.requires_grad());
}

TEST(Module, RegistrationErrorsNameTheProblem) {
  struct Bad : Module {
    std::string type_name() const override { return "Bad"; }
    void twice() {
      register_parameter("w", zeros({1}));
      register_buffer("w", zeros({1}));
    }
    void dotted() { register_parameter("a.b", zeros({1})); }
  };
  Bad bad;
  expect_mentions(message_of<std::invalid_argument>([&] { bad.twice(); }), {"Bad", "'w'", "already registered"});
  expect_mentions(message_of<std::invalid_argument>([&] { bad.dotted(); }), {"'a.b'", "'.'"});
  expect_mentions(message_of<std::logic_error>([&] { bad(zeros({1})); }), {"Bad", "call operator"});
}

TEST(Module, TrainAndEvalReachEveryDescendant) {
  auto block = make<Block>();
  for (auto& [name, m] : block->named_modules()) EXPECT_TRUE(m->is_training()) << name;
  block->eval();
  for (auto& [name, m] : block->named_modules()) EXPECT_FALSE(m->is_training()) << name;
  block->train();
  EXPECT_TRUE(block->body->operator[](1).is_training());
}

TEST(Module, ZeroGradClearsEveryGradient) {
  auto block = make<Block>();
  (*block)(randn({5, 3})).sum().backward();
  for (const Tensor& p : block->parameters()) EXPECT_TRUE(p.grad().defined());
  block->zero_grad();
  for (const Tensor& p : block->parameters()) EXPECT_FALSE(p.grad().defined());
}

TEST(Module, ApplyVisitsChildrenBeforeParents) {
  auto block = make<Block>();
  std::vector<std::string> order;
  block->apply([&](Module& m) { order.push_back(m.type_name()); });
  EXPECT_EQ(order, (std::vector<std::string>{"Linear", "BatchNorm1d", "LeakyReLU", "Sequential", "Linear", "Block"}));
}

TEST(Module, ToDeviceMovesDataUnderTheSameHandles) {
  if (current_kernels(DeviceType::CUDASim).empty())
    GTEST_SKIP() << "this build has no cuda-sim backend (it needs the CUDA headers and Boost.Context)";
  const Device sim = parse_device("cuda-sim");
  auto block = make<Block>();
  const Tensor weight_handle = block->body->modules()[0]->parameters()[0];
  const std::vector<float> before = weight_handle.to_vector<float>();
  block->to(sim);
  EXPECT_EQ(weight_handle.device(), sim);
  for (const Tensor& t : block->buffers()) EXPECT_EQ(t.device(), sim);
  EXPECT_EQ(weight_handle.to(Device{}).to_vector<float>(), before);
  EXPECT_TRUE(weight_handle.requires_grad());
  block->to(Device{});
  EXPECT_EQ(weight_handle.device(), Device{});
  EXPECT_EQ(weight_handle.to_vector<float>(), before);
}

TEST(Module, PrintsLikePyTorch) {
  auto net = make<Sequential>(std::initializer_list<std::shared_ptr<Module>>{
      make<Conv2d>(3, 64, 4, Conv2dOptions{.stride = 2, .padding = 1, .bias = false}), make<LeakyReLU>(0.2)});
  EXPECT_EQ(net->to_string(),
            "Sequential(\n"
            "  (0): Conv2d(3, 64, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), bias=False)\n"
            "  (1): LeakyReLU(negative_slope=0.2)\n"
            ")");
}

TEST(Module, SummaryListsEveryLayerWithoutChangingState) {
  auto block = make<Block>();
  auto& bn = static_cast<BatchNorm&>((*block->body)[1]);
  const std::vector<float> mean_before = bn.running_mean.to_vector<float>();
  const std::string table = block->summary(randn({8, 3}));
  expect_mentions(table, {"body.0", "Linear", "[8, 4]", "body.1", "BatchNorm1d", "head", "[8, 1]", "(model)", "Block",
                          "31 trainable parameters"});
  EXPECT_EQ(bn.running_mean.to_vector<float>(), mean_before);
  EXPECT_EQ(bn.num_batches_tracked.item<int64_t>(), 0);
  EXPECT_TRUE(block->is_training());
}

}  // namespace
