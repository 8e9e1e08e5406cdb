// Structural modules: Sequential and ModuleList hold children named "0", "1", ... (so their
// state-dict keys match PyTorch's nn.Sequential); Flatten and Identity reshape or pass through.
#pragma once

#include <initializer_list>

#include "nn/module.h"

namespace ganforge::nn {

// Runs its children in order, each on the previous one's output.
class Sequential : public Module {
 public:
  Sequential() = default;
  Sequential(std::initializer_list<std::shared_ptr<Module>> modules);
  // Appends a child named by its position; returns it (typed) for later use.
  template <class M>
  std::shared_ptr<M> push_back(std::shared_ptr<M> module) {
    add_child(std::to_string(modules_.size()), module);
    modules_.push_back(module);
    return module;
  }
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Sequential"; }

  size_t size() const { return modules_.size(); }
  Module& operator[](size_t i) const { return *modules_.at(i); }
  const std::vector<std::shared_ptr<Module>>& modules() const { return modules_; }

 private:
  std::vector<std::shared_ptr<Module>> modules_;
};

// A list of children without a forward of its own (the owner decides how to call them).
class ModuleList : public Module {
 public:
  ModuleList() = default;
  ModuleList(std::initializer_list<std::shared_ptr<Module>> modules);
  template <class M>
  std::shared_ptr<M> push_back(std::shared_ptr<M> module) {
    add_child(std::to_string(modules_.size()), module);
    modules_.push_back(module);
    return module;
  }
  std::string type_name() const override { return "ModuleList"; }

  size_t size() const { return modules_.size(); }
  Module& operator[](size_t i) const { return *modules_.at(i); }
  auto begin() const { return modules_.begin(); }
  auto end() const { return modules_.end(); }

 private:
  std::vector<std::shared_ptr<Module>> modules_;
};

// Merges dims start_dim..end_dim into one (PyTorch's default keeps the batch dim: 1..-1).
class Flatten : public Module {
 public:
  explicit Flatten(int start_dim = 1, int end_dim = -1) : start_dim(start_dim), end_dim(end_dim) {}
  Tensor forward(const Tensor& x) override { return x.flatten(start_dim, end_dim); }
  std::string type_name() const override { return "Flatten"; }
  std::string extra_repr() const override {
    return "start_dim=" + std::to_string(start_dim) + ", end_dim=" + std::to_string(end_dim);
  }
  const int start_dim, end_dim;
};

class Identity : public Module {
 public:
  Tensor forward(const Tensor& x) override { return x; }
  std::string type_name() const override { return "Identity"; }
};

}  // namespace ganforge::nn
