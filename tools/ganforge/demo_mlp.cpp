// `ganforge demo`: trains a two-hidden-layer MLP on three interleaved spirals with the
// engine's tensors, autograd and fused ops (the nn library comes later), and prints the
// loss as it falls. It doubles as a readable example of the core API.
#include <cmath>
#include <cstdio>
#include <iostream>

#include "core/ganforge.h"
#include "tools/ganforge/commands.h"
#include "tools/ganforge/device.h"

namespace ganforge::cli {
namespace {

constexpr int64_t kClasses = 3, kPointsPerClass = 100, kHidden = 64;

struct Spirals {
  Tensor points;  // [300, 2]
  Tensor labels;  // [300] i64
};

Spirals make_spirals(Generator& gen) {
  std::vector<float> xy;
  std::vector<int64_t> labels;
  std::vector<float> noise = randn({kClasses * kPointsPerClass}, {}, &gen, 0, 0.2).to_vector<float>();
  for (int64_t c = 0; c < kClasses; ++c)
    for (int64_t i = 0; i < kPointsPerClass; ++i) {
      float radius = static_cast<float>(i) / kPointsPerClass;
      float angle = 4.0f * static_cast<float>(c) + 4.0f * radius + noise[c * kPointsPerClass + i];
      xy.push_back(radius * std::sin(angle));
      xy.push_back(radius * std::cos(angle));
      labels.push_back(c);
    }
  return {from_vector(xy, {kClasses * kPointsPerClass, 2}), from_vector(labels, {kClasses * kPointsPerClass})};
}

// Adam over a list of parameters with the engine's fused update (PyTorch semantics).
struct Adam {
  std::vector<Tensor> params, exp_avg, exp_avg_sq;
  AdamParams settings{0.01, 0.9, 0.999, 1e-8, 0, 0};

  explicit Adam(std::vector<Tensor> p) : params(std::move(p)) {
    for (const Tensor& t : params) {
      exp_avg.push_back(zeros_like(t));
      exp_avg_sq.push_back(zeros_like(t));
    }
  }

  void update() {
    ++settings.step;
    for (size_t i = 0; i < params.size(); ++i) {
      adam_step(params[i], params[i].grad(), exp_avg[i], exp_avg_sq[i], settings);
      params[i].set_grad(Tensor());
    }
  }
};

}  // namespace

Command demo_command() {
  return {.name = "demo",
          .summary = "a small MLP trained with the engine on three spirals",
          .description = "Trains a two-hidden-layer MLP on three interleaved spirals with the engine's tensors, autograd "
                         "and fused ops, printing the loss as it falls.",
          .sections = {{"flags",
                        {{"steps", Integer{1, 1000000}, "N", "training steps", "600"},
                         {"seed", Integer{0}, "S", "the seed of the data and the weights", "0"},
                         {"kernels", Choice{compiled_kernels(DeviceType::CPU)}, "", "the CPU backend that runs the ops", "cpu"}}}}};
}

int demo_mlp(const Args& args) {
  const int64_t steps = args.integer("steps");
  const int64_t seed = args.integer("seed");
  set_kernels(args.text("kernels"));

  Generator gen(static_cast<uint64_t>(seed));
  Spirals data = make_spirals(gen);
  // He initialisation: weights ~ N(0, 2/fan_in), biases 0.
  auto layer = [&](int64_t in, int64_t out) {
    return std::pair{randn({in, out}, {}, &gen, 0, std::sqrt(2.0 / static_cast<double>(in))).requires_grad_(),
                     zeros({out}).requires_grad_()};
  };
  auto [w1, b1] = layer(2, kHidden);
  auto [w2, b2] = layer(kHidden, kHidden);
  auto [w3, b3] = layer(kHidden, kClasses);
  Adam adam({w1, b1, w2, b2, w3, b3});

  std::printf("training a 2-%lld-%lld-3 MLP on %lld spiral points with '%s' kernels\n", (long long)kHidden,
              (long long)kHidden, (long long)(kClasses * kPointsPerClass), current_kernels(DeviceType::CPU).c_str());
  double first_loss = 0, loss_value = 0, accuracy = 0;
  for (int64_t step = 0; step <= steps; ++step) {
    Tensor hidden = relu(matmul(relu(matmul(data.points, w1) + b1), w2) + b2);
    Tensor logits = matmul(hidden, w3) + b3;
    Tensor loss = cross_entropy(logits, data.labels);
    loss_value = loss.item<double>();
    if (step == 0) first_loss = loss_value;
    if (!std::isfinite(loss_value)) throw std::runtime_error("loss became " + std::to_string(loss_value) + " at step " + std::to_string(step));
    if (step % 50 == 0 || step == steps) {
      accuracy = eq(argmax(logits, 1), data.labels).to(DType::F64).mean().item<double>();
      std::printf("step %5lld  loss %.4f  accuracy %5.1f%%\n", (long long)step, loss_value, 100 * accuracy);
      std::fflush(stdout);
    }
    if (step == steps) break;
    loss.backward();
    adam.update();
  }
  std::printf("loss fell from %.4f to %.4f; training accuracy %.1f%%\n", first_loss, loss_value, 100 * accuracy);
  return loss_value < first_loss ? 0 : 1;
}

}  // namespace ganforge::cli
