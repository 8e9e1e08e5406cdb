// Optimizers with parameter groups (each group its own learning rate and settings), in
// PyTorch's semantics, over the fused update kernels of core/layer_ops.h: a step updates every
// parameter of a group that has a gradient, in as few kernel launches as the backend allows.
//
// State (the moments, momentum buffers, step counts and each group's settings) round-trips
// through state_dict() / load_state_dict() as named tensors, so it can be saved with
// save_safetensors next to the weights: "state.<i>.exp_avg", "param_groups.<g>.lr", ...,
// with <i> the parameter's position over all groups, as in PyTorch's optimizer state dicts.
#pragma once

#include <functional>
#include <vector>

#include "nn/module.h"

namespace ganforge::nn {

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // Runs the step pre-hooks, then updates every parameter that has a gradient.
  void step();
  // Sets every parameter's gradient to none.
  void zero_grad();
  // Every parameter of every group, in order.
  virtual std::vector<Tensor> all_parameters() const = 0;
  // Called at the start of every step(), in registration order (as PyTorch's
  // register_step_pre_hook): data-parallel training finishes averaging the gradients there.
  void register_step_pre_hook(std::function<void()> hook) { pre_hooks_.push_back(std::move(hook)); }

  virtual size_t num_groups() const = 0;
  virtual double lr(size_t group) const = 0;
  virtual void set_lr(size_t group, double lr) = 0;

  virtual StateDict state_dict() const = 0;
  // Strict: the same number of groups and parameters, the state of the same shapes.
  virtual void load_state_dict(const StateDict& state) = 0;

 protected:
  virtual void update() = 0;

 private:
  std::vector<std::function<void()>> pre_hooks_;
};

// A parameter group: parameters and the settings they are updated with.
template <class Options>
struct ParamGroup {
  std::vector<Tensor> params;
  Options options;
};

// What Adam and SGD share: their groups, each with its own settings and learning rate.
template <class Options>
class GroupedOptimizer : public Optimizer {
 public:
  size_t num_groups() const override { return groups_.size(); }
  double lr(size_t group) const override { return groups_.at(group).options.lr; }
  void set_lr(size_t group, double lr) override;
  const Options& options(size_t group) const { return groups_.at(group).options; }
  std::vector<Tensor> all_parameters() const override;

 protected:
  // Throws unless every group holds leaf parameters requiring grad and valid settings.
  GroupedOptimizer(const char* name, std::vector<ParamGroup<Options>> groups);
  const char* name_;
  std::vector<ParamGroup<Options>> groups_;
};

struct AdamOptions {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0;
};
using AdamGroup = ParamGroup<AdamOptions>;

class Adam : public GroupedOptimizer<AdamOptions> {
 public:
  Adam(std::vector<Tensor> params, AdamOptions options = {});
  explicit Adam(std::vector<AdamGroup> groups);
  StateDict state_dict() const override;
  void load_state_dict(const StateDict& state) override;

 private:
  void update() override;
  struct State {
    int64_t step = 0;
    Tensor exp_avg, exp_avg_sq;  // made at the parameter's first update
  };
  std::vector<State> state_;  // one per parameter, over all groups
};

struct SgdOptions {
  double lr = 1e-2, momentum = 0, dampening = 0, weight_decay = 0;
  bool nesterov = false;
};
using SgdGroup = ParamGroup<SgdOptions>;

class SGD : public GroupedOptimizer<SgdOptions> {
 public:
  SGD(std::vector<Tensor> params, SgdOptions options = {});
  explicit SGD(std::vector<SgdGroup> groups);
  StateDict state_dict() const override;
  void load_state_dict(const StateDict& state) override;

 private:
  void update() override;
  std::vector<Tensor> momentum_buffers_;  // one per parameter; undefined until its first update
};

}  // namespace ganforge::nn
