#include "gan/train/recipe_parts.h"

namespace ganforge::gan {

Tensor Adversarial::against(const Tensor& d_out, double target) const {
  const Tensor goal = full_like(d_out, target);
  return loss_ == AdversarialLoss::Bce ? binary_cross_entropy_with_logits(d_out, goal) : mse_loss(d_out, goal);
}

double Adversarial::mean_output(const Tensor& d_out) const {
  NoGradGuard no_grad;
  return (loss_ == AdversarialLoss::Bce ? sigmoid(d_out) : d_out).mean().item<double>();
}

FrozenGuard::FrozenGuard(std::vector<nn::Module*> modules) {
  for (nn::Module* m : modules)
    for (Tensor& p : m->parameters()) {
      if (!p.requires_grad()) continue;  // frozen by someone else: left so
      p.requires_grad_(false);
      params_.push_back(p);
    }
}

FrozenGuard::~FrozenGuard() {
  for (Tensor& p : params_) p.requires_grad_(true);
}

std::unique_ptr<nn::Adam> adam_for(const std::vector<nn::Module*>& modules, double lr) {
  std::vector<Tensor> params;
  for (nn::Module* m : modules)
    for (const Tensor& p : m->parameters()) params.push_back(p);
  return std::make_unique<nn::Adam>(params, nn::AdamOptions{.lr = lr, .beta1 = 0.5, .beta2 = 0.999});
}

data::Image sheet(const Tensor& images, int columns) {
  return data::make_grid(images.to(Device{}).to(DType::F32), {.per_row = columns});
}

}  // namespace ganforge::gan
