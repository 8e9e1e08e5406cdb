#include "nn/lr_scheduler.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace ganforge::nn {

LRScheduler::LRScheduler(Optimizer& optimizer) : optimizer_(optimizer) {
  for (size_t g = 0; g < optimizer.num_groups(); ++g) base_lrs_.push_back(optimizer.lr(g));
}

void LRScheduler::step() {
  ++epoch_;
  apply();
}

void LRScheduler::apply() {
  for (size_t g = 0; g < base_lrs_.size(); ++g) optimizer_.set_lr(g, base_lrs_[g] * factor(epoch_));
}

StateDict LRScheduler::state_dict() const {
  return {{"base_lrs", from_vector(base_lrs_, {static_cast<int64_t>(base_lrs_.size())})},
          {"epoch", from_vector(std::vector<int64_t>{epoch_}, Shape{})}};
}

void LRScheduler::load_state_dict(const StateDict& state) {
  auto base = state.find("base_lrs");
  auto epoch = state.find("epoch");
  if (base == state.end() || epoch == state.end() || state.size() != 2)
    throw std::invalid_argument("LRScheduler.load_state_dict: expected exactly the keys 'base_lrs' and 'epoch'");
  if (base->second.shape() != Shape{static_cast<int64_t>(base_lrs_.size())} || epoch->second.numel() != 1)
    throw std::invalid_argument("LRScheduler.load_state_dict: 'base_lrs' must have one entry per parameter group (" +
                                std::to_string(base_lrs_.size()) + ") and 'epoch' one value");
  base_lrs_ = base->second.to(DType::F64).to_vector<double>();
  epoch_ = epoch->second.to(DType::I64).item<int64_t>();
  apply();
}

LinearDecayLR::LinearDecayLR(Optimizer& optimizer, int64_t constant, int64_t decay)
    : LRScheduler(optimizer), constant_epochs(constant), decay_epochs(decay) {
  if (constant < 0 || decay < 0)
    throw std::invalid_argument("LinearDecayLR: epoch counts must be >= 0; got " + std::to_string(constant) + " and " +
                                std::to_string(decay));
}

double LinearDecayLR::factor(int64_t epoch) const {
  const double past = static_cast<double>(std::max<int64_t>(0, epoch + 1 - constant_epochs));
  return std::max(0.0, 1.0 - past / static_cast<double>(decay_epochs + 1));
}

StepLR::StepLR(Optimizer& optimizer, int64_t step, double g) : LRScheduler(optimizer), step_size(step), gamma(g) {
  if (step <= 0) throw std::invalid_argument("StepLR: step_size must be positive; got " + std::to_string(step));
}

double StepLR::factor(int64_t epoch) const { return std::pow(gamma, static_cast<double>(epoch / step_size)); }

}  // namespace ganforge::nn
