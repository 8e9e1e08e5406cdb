// Module: the unit of the nn library. A module owns named parameters (trainable tensors),
// named buffers (state that is saved but not trained, e.g. batch norm's running statistics)
// and named child modules; names compose with dots as in PyTorch ("0.weight",
// "main.3.running_mean"), so state dicts load into PyTorch models of the same layout.
//
// Registration order is kept: named_parameters() lists a module's own parameters first, then
// each child's in the order the children were registered, exactly like PyTorch.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace ganforge::nn {

// Named tensors, sorted by name (the in-memory form of a state dict / safetensors file).
using StateDict = std::map<std::string, Tensor>;

class Module : public std::enable_shared_from_this<Module> {
 public:
  virtual ~Module() = default;
  Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // The layer's computation. Modules whose inputs are not one tensor (a conditional generator,
  // a loss) define their own call operators and keep this default, which throws.
  virtual Tensor forward(const Tensor& input);
  // Runs forward(); while a summary is being recorded it also notes this module's output.
  Tensor operator()(const Tensor& input);
  // Whether summary() is recording on this thread (containers then call each module on its own).
  static bool recording_summary();

  // "Conv2d", "Sequential", ...
  virtual std::string type_name() const = 0;
  // The constructor arguments, for printing: "3, 64, kernel_size=(4, 4), stride=(2, 2)".
  virtual std::string extra_repr() const { return ""; }
  // PyTorch-style nested printout of the module tree.
  std::string to_string() const;

  // ---- the tree
  std::vector<std::pair<std::string, Tensor>> named_parameters(bool recurse = true) const;
  std::vector<std::pair<std::string, Tensor>> named_buffers(bool recurse = true) const;
  std::vector<Tensor> parameters(bool recurse = true) const;
  std::vector<Tensor> buffers(bool recurse = true) const;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_children() const;
  // This module (name "") and every descendant, parents before children.
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_modules();
  // Calls fn on every descendant, then on this module (PyTorch's order), e.g. to initialise.
  void apply(const std::function<void(Module&)>& fn);

  // Number of trainable scalars (every element of every parameter).
  int64_t num_parameters() const;

  // ---- modes and placement
  // Training mode (the default) makes dropout drop and batch norm use batch statistics.
  virtual void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }
  // Moves every parameter and buffer to `device` in place: handles held elsewhere (an
  // optimizer's parameter list) see the moved data. Gradients are dropped.
  void to(Device device);
  // Clears every parameter's gradient (sets it to none, as PyTorch's default).
  void zero_grad();

  // ---- state dicts: parameters and buffers under their dotted names
  StateDict state_dict() const;
  // Copies `state` into this module's tensors. Strict: every key must be known, every tensor
  // present, with the same shape and dtype; otherwise one error lists every problem and
  // nothing is changed.
  void load_state_dict(const StateDict& state);

  // A table of every module run by forward on `input`: name, type, output shape and the
  // number of parameters it owns. Runs in eval mode without gradients, and restores the mode,
  // so running statistics do not change.
  std::string summary(const Tensor& input);

 protected:
  // Registers a parameter (made to require grad) or a buffer under `name`; returns it.
  Tensor register_parameter(const std::string& name, Tensor value);
  Tensor register_buffer(const std::string& name, Tensor value);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    add_child(name, module);
    return module;
  }
  void add_child(const std::string& name, std::shared_ptr<Module> module);

 private:
  void check_new_name(const std::string& name) const;
  template <class Get>
  void collect(const std::string& prefix, bool recurse, Get get, std::vector<std::pair<std::string, Tensor>>& out) const;
  void print_tree(std::string& out, int indent) const;

  bool training_ = true;
  std::vector<std::pair<std::string, Tensor>> parameters_;
  std::vector<std::pair<std::string, Tensor>> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
};

// Shorthand for building a module held by shared_ptr (modules are shared by their parent and
// by user code).
template <class M, class... Args>
std::shared_ptr<M> make(Args&&... args) {
  return std::make_shared<M>(std::forward<Args>(args)...);
}

}  // namespace ganforge::nn
