// The nn library end to end: an MLP built from nn layers, trained with nn.Adam and
// CrossEntropyLoss, learns two interleaved spirals to >= 99% training accuracy.
#include <gtest/gtest.h>

#include <cmath>

#include "core/ganforge.h"
#include "nn/nn.h"

using namespace ganforge;
using namespace ganforge::nn;

namespace {

TEST(Spirals, MlpLearnsTwoInterleavedSpirals) {
  constexpr int64_t kPerClass = 200;
  Generator gen(11);
  const std::vector<float> noise = randn({2 * kPerClass}, {}, &gen, 0, 0.01).to_vector<float>();
  std::vector<float> xy;
  std::vector<int64_t> labels;
  for (int64_t c = 0; c < 2; ++c)
    for (int64_t i = 0; i < kPerClass; ++i) {
      // Two arms of one spiral, half a turn apart, one and a quarter turns each (from a radius of
      // 1/6 out to 1, so the noise never mixes the arms near the centre).
      const double t = M_PI / 2 + 2.5 * M_PI * static_cast<double>(i) / kPerClass;
      const double angle = t + M_PI * static_cast<double>(c), radius = t / (3.0 * M_PI) + noise[c * kPerClass + i];
      xy.push_back(static_cast<float>(radius * std::cos(angle)));
      xy.push_back(static_cast<float>(radius * std::sin(angle)));
      labels.push_back(c);
    }
  Tensor points = from_vector(xy, {2 * kPerClass, 2}), targets = from_vector(labels, {2 * kPerClass});

  manual_seed(3);
  auto mlp = make<Sequential>(std::initializer_list<std::shared_ptr<Module>>{
      make<Linear>(2, 64), make<ReLU>(), make<Linear>(64, 64), make<ReLU>(), make<Linear>(64, 2)});
  Adam adam(mlp->parameters(), {.lr = 0.01});
  CrossEntropyLoss loss_fn;
  double accuracy = 0, loss = 0;
  for (int step = 0; step < 1500 && accuracy < 0.995; ++step) {
    adam.zero_grad();
    Tensor logits = (*mlp)(points);
    Tensor l = loss_fn(logits, targets);
    l.backward();
    adam.step();
    loss = l.item<double>();
    if (step % 50 == 49) accuracy = eq(argmax(logits, 1), targets).to(DType::F64).mean().item<double>();
  }
  mlp->eval();
  accuracy = eq(argmax((*mlp)(points), 1), targets).to(DType::F64).mean().item<double>();
  EXPECT_GE(accuracy, 0.99) << "final loss " << loss;
}

}  // namespace
