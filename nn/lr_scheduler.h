// Learning-rate schedules over an optimizer's groups: step() once per epoch sets each
// group's lr to its base lr times factor(epoch). Their state (base lrs, epoch) round-trips
// through state_dict() like an optimizer's.
#pragma once

#include "nn/optim.h"

namespace ganforge::nn {

class LRScheduler {
 public:
  explicit LRScheduler(Optimizer& optimizer);
  virtual ~LRScheduler() = default;
  // Ends an epoch: epoch() advances and the learning rates follow.
  void step();
  int64_t epoch() const { return epoch_; }
  virtual double factor(int64_t epoch) const = 0;

  StateDict state_dict() const;  // "base_lrs" (f64 [groups]) and "epoch" (i64)
  void load_state_dict(const StateDict& state);

 private:
  void apply();
  Optimizer& optimizer_;
  std::vector<double> base_lrs_;
  int64_t epoch_ = 0;
};

// pix2pix / CycleGAN: the base lr for `constant_epochs`, then linearly to zero over
// `decay_epochs` (factor 1 - max(0, epoch + 1 - constant_epochs) / (decay_epochs + 1), the
// reference's rule with its epoch_count of 1).
class LinearDecayLR : public LRScheduler {
 public:
  LinearDecayLR(Optimizer& optimizer, int64_t constant_epochs, int64_t decay_epochs);
  double factor(int64_t epoch) const override;
  const int64_t constant_epochs, decay_epochs;
};

// lr · gamma^⌊epoch / step_size⌋.
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1);
  double factor(int64_t epoch) const override;
  const int64_t step_size;
  const double gamma;
};

}  // namespace ganforge::nn
