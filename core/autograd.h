// Define-by-run autograd. Every differentiable op that runs with grad mode on and an input
// that requires grad records a Node: which nodes its inputs' gradients flow to, their
// shapes, the tensors its backward needs, and the backward formula itself.
// Tensor::backward() walks these nodes from the output back to the leaves.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace ganforge {

class Node {
 public:
  explicit Node(std::string name) : name_(std::move(name)) {}
  virtual ~Node();  // iterative: a long chain must not recurse once per node
  const std::string& name() const { return name_; }

  // Gradients of the inputs given the gradient of the output (one entry per input;
  // undefined where that input needs no gradient).
  virtual std::vector<Tensor> apply(const Tensor& grad_output) = 0;
  // Frees what the backward needed, once a backward pass without retain_graph used it.
  virtual void release() { released_ = true; }
  bool released() const { return released_; }

  // Per input: the node its gradient goes to (null when it needs none), and its shape.
  std::vector<std::shared_ptr<Node>> next;
  std::vector<Shape> input_shapes;

 protected:
  bool released_ = false;

 private:
  std::string name_;
};

// What a backward formula can see: the saved tensors and which inputs want a gradient.
struct BackwardContext {
  const std::vector<Tensor>& saved;
  const std::vector<bool>& needs_grad;
  const Tensor& operator[](size_t i) const { return saved[i]; }
  bool needs(size_t input) const { return needs_grad[input]; }
};

using BackwardFn = std::function<std::vector<Tensor>(const Tensor& grad, const BackwardContext& ctx)>;

// Records that `out` was computed by op `name` from `inputs`, when grad mode is on and some
// input requires grad. `saved` are the tensors `backward` reads; their version is noted so
// that an in-place change before backward is reported instead of giving wrong gradients.
void record(const char* name, const std::vector<Tensor>& inputs, Tensor& out, const std::vector<Tensor>& saved,
            BackwardFn backward);
bool any_requires_grad(const std::vector<Tensor>& inputs);

// Grad mode is per thread. Under NoGradGuard no op is recorded (inference, optimizer steps).
struct GradMode {
  static bool enabled();
  static void set_enabled(bool enabled);
};

class NoGradGuard {
 public:
  NoGradGuard() : previous_(GradMode::enabled()) { GradMode::set_enabled(false); }
  ~NoGradGuard() { GradMode::set_enabled(previous_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

// The engine behind Tensor::backward.
void run_backward(const Tensor& root, const Tensor& gradient, bool retain_graph);

}  // namespace ganforge
