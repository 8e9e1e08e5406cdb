// Pieces the recipes share: the adversarial criterion, switching a network's gradients off
// while the other network trains, and sample-sheet layout.
#pragma once

#include <vector>

#include "core/ganforge.h"
#include "gan/data/grid.h"
#include "gan/train/options.h"
#include "gan/train/recipe.h"
#include "nn/nn.h"

namespace ganforge::gan {

// BCE on logits or least squares (LSGAN) against a constant target: 1 for real, 0 for fake.
// D's real target may be smoothed (one-sided label smoothing); G always aims at 1.
class Adversarial {
 public:
  Adversarial(AdversarialLoss loss, double label_smoothing) : loss_(loss), real_target_(1 - label_smoothing) {}
  Tensor real(const Tensor& d_out) const { return against(d_out, real_target_); }  // D on real data
  Tensor fake(const Tensor& d_out) const { return against(d_out, 0); }             // D on fakes
  Tensor fooled(const Tensor& d_out) const { return against(d_out, 1); }           // G's goal
  // The mean of what D says, as a probability of "real" for BCE (D(x), D(G(z)) in the
  // logs), as the raw score for least squares.
  double mean_output(const Tensor& d_out) const;

 private:
  Tensor against(const Tensor& d_out, double target) const;
  AdversarialLoss loss_;
  double real_target_;
};

// While G trains through D, D's weights need no gradients: switching them off skips D's
// weight-gradient kernels (those that required grad are restored when the guard ends).
class FrozenGuard {
 public:
  explicit FrozenGuard(std::vector<nn::Module*> modules);
  ~FrozenGuard();
  FrozenGuard(const FrozenGuard&) = delete;
  FrozenGuard& operator=(const FrozenGuard&) = delete;

 private:
  std::vector<Tensor> params_;
};

// Runs f on `modules` switched to eval mode without gradients, then restores their modes:
// sample sheets must not change any state (running statistics, random generators).
template <class F>
auto in_eval_mode(std::vector<nn::Module*> modules, F&& f) {
  std::vector<bool> was_training;
  for (nn::Module* m : modules) {
    was_training.push_back(m->is_training());
    m->eval();
  }
  struct Restore {
    std::vector<nn::Module*>& modules;
    std::vector<bool>& modes;
    ~Restore() {
      for (size_t i = 0; i < modules.size(); ++i) modules[i]->train(modes[i]);
    }
  } restore{modules, was_training};
  NoGradGuard no_grad;
  return f();
}

// The two halves of a step in the recipe's order (--order d-first | g-first).
template <class DStep, class GStep>
void in_order(bool g_first, DStep&& d_step, GStep&& g_step) {
  if (g_first) {
    g_step();
    d_step();
  } else {
    d_step();
    g_step();
  }
}

// An Adam per network set with the recipe's betas (0.5, 0.999).
std::unique_ptr<nn::Adam> adam_for(const std::vector<nn::Module*>& modules, double lr);

// A recipe of one generator and one discriminator ("G" and "D" in checkpoints), each with
// its own Adam of betas (0.5, 0.999).
template <class G, class D>
class GeneratorDiscriminatorRecipe : public Recipe {
 public:
  std::vector<std::pair<std::string, nn::Module*>> networks() override { return {{"G", g_.get()}, {"D", d_.get()}}; }
  std::vector<std::pair<std::string, nn::Optimizer*>> optimizers() override {
    return {{"G", opt_g_.get()}, {"D", opt_d_.get()}};
  }

 protected:
  // Takes the initialised networks, moves them to `device` and makes their optimizers.
  void set_networks(std::shared_ptr<G> g, std::shared_ptr<D> d, Device device, double lr_g, double lr_d) {
    g_ = std::move(g);
    d_ = std::move(d);
    g_->to(device);
    d_->to(device);
    opt_g_ = adam_for({g_.get()}, lr_g);
    opt_d_ = adam_for({d_.get()}, lr_d);
  }

  std::shared_ptr<G> g_;
  std::shared_ptr<D> d_;
  std::unique_ptr<nn::Adam> opt_g_, opt_d_;
};

// [rows·columns, C, H, W] images, row by row, as one sheet with `columns` per row.
data::Image sheet(const Tensor& images, int columns);

}  // namespace ganforge::gan
