// When has a run diverged? Training stops there, before it writes a checkpoint of garbage.
// The rule, judged against the first step of this process (the start of the run, or the step
// that a resume continues from):
//   - a value a step reports (a loss, D(x), ...) is NaN or infinite; or
//   - a loss ("loss_...") is more than kGrowth times max(1, its magnitude at the first step);
//   - at log steps and before every checkpoint: a network's parameter norm is not finite, or
//     more than kGrowth times its norm after the first step.
// GAN losses start at O(1)-O(100) (BCE 0.69, pix2pix's weighted L1 ~50) and stay within a
// small factor of that while training works; a learning rate far too large multiplies them by
// 1e10 and more within a few steps (--lr 1e6: loss_D 2e22 at step 2).
// A step's losses are those of the weights before its update, so the losses judge an update
// one step late, and the norms the weights that a checkpoint writes. The norms are compared
// with those after the first step, not before it, because Adam's first step moves every
// weight by about the learning rate whatever the gradient: that step is judged by the losses
// of the next one.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "gan/train/recipe.h"

namespace ganforge::gan {

class DivergenceCheck {
 public:
  static constexpr double kGrowth = 10000;

  explicit DivergenceCheck(Recipe& recipe) : recipe_(recipe) {}

  // After each step, with its values; `weights`: whether to check the parameter norms too.
  // Returns what diverged ("loss_D is nan"), or nothing.
  std::optional<std::string> after_step(int64_t step, const StepValues& values, bool weights);

 private:
  Recipe& recipe_;
  int64_t first_step_ = 0;
  std::map<std::string, double> first_losses_, first_norms_;
};

}  // namespace ganforge::gan
