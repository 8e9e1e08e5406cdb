#include "core/autograd.h"

#include <stdexcept>
#include <unordered_map>

#include "core/ops.h"

namespace ganforge {
namespace {

thread_local bool grad_mode_enabled = true;

// A node recorded by record(): saved tensors plus a backward formula.
class FunctionNode final : public Node {
 public:
  FunctionNode(const char* name, BackwardFn backward) : Node(name), backward_(std::move(backward)) {}

  void save(const std::vector<Tensor>& tensors) {
    for (const Tensor& t : tensors) {
      // Saved as detached aliases: the node must not own its own output's history (a cycle).
      saved_.push_back(t.defined() ? t.detach() : Tensor());
      saved_versions_.push_back(t.defined() ? t.version() : 0);
    }
  }

  std::vector<Tensor> apply(const Tensor& grad_output) override {
    for (size_t i = 0; i < saved_.size(); ++i) {
      if (saved_[i].defined() && saved_[i].version() != saved_versions_[i])
        throw std::runtime_error("backward of " + name() + ": a tensor of shape " + shape_str(saved_[i].shape()) +
                                 " saved for backward was modified in place afterwards (version " +
                                 std::to_string(saved_versions_[i]) + " -> " + std::to_string(saved_[i].version()) +
                                 "); use an out-of-place op or clone() it first");
    }
    std::vector<bool> needs(next.size());
    for (size_t i = 0; i < next.size(); ++i) needs[i] = next[i] != nullptr;
    return backward_(grad_output, BackwardContext{saved_, needs});
  }

  void release() override {
    Node::release();
    saved_.clear();
    backward_ = nullptr;
  }

 private:
  BackwardFn backward_;
  std::vector<Tensor> saved_;
  std::vector<uint64_t> saved_versions_;
};

// Whether nothing but the caller's handle refers to t or its memory: then the backward pass
// can hand t to a leaf as its .grad instead of copying it (as PyTorch does), which saves a
// pass over every parameter per step. A view, a gradient sent to two inputs (add's backward)
// or one the user passed in is shared, and is copied.
bool owned_by_caller_only(const Tensor& t) {
  return t.impl_ptr().use_count() == 1 && t.storage().use_count() == 1 && t.is_contiguous() && t.impl()->offset == 0 &&
         t.storage()->bytes() == static_cast<size_t>(t.numel()) * dtype_size(t.dtype());
}

// The sink of a leaf: adds the incoming gradient to leaf.grad. Gradients accumulate rather
// than overwrite so that a leaf reached by several backward passes (several losses, or
// micro-batches) gets the sum; zeroing grads between steps is the caller's job.
class AccumulateGrad final : public Node {
 public:
  explicit AccumulateGrad(const std::shared_ptr<TensorImpl>& leaf) : Node("accumulate_grad"), leaf_(leaf) {}

  std::vector<Tensor> apply(const Tensor& grad_output) override {
    if (auto leaf = leaf_.lock()) {
      Tensor& grad = leaf->grad;
      if (grad.defined())
        grad = add(grad, grad_output);
      else
        grad = owned_by_caller_only(grad_output) ? grad_output : grad_output.clone();
      const Tensor handle(leaf);
      for (const auto& hook : leaf->post_accumulate_grad_hooks) hook(handle);
    }
    return {};
  }
  void release() override {}  // holds nothing; a leaf may take part in many graphs

 private:
  std::weak_ptr<TensorImpl> leaf_;
};

// Where the gradient of t flows: its grad_fn, its accumulator if it is a leaf that requires
// grad, or nowhere.
std::shared_ptr<Node> gradient_edge(const Tensor& t) {
  if (!t.defined() || !t.requires_grad()) return nullptr;
  if (t.grad_fn()) return t.grad_fn();
  TensorImpl* impl = t.impl();
  std::shared_ptr<Node> accumulator = impl->grad_accumulator.lock();
  if (!accumulator) {
    accumulator = std::make_shared<AccumulateGrad>(t.impl_ptr());
    impl->grad_accumulator = accumulator;
  }
  return accumulator;
}

}  // namespace

Node::~Node() {
  // Destroying a node drops its references to the next nodes, which would destroy them in
  // turn: one stack frame per node, enough to overflow on a graph of ~10^5 ops. Instead,
  // take over the children that only this node still holds and free them from a list.
  std::vector<std::shared_ptr<Node>> pending = std::move(next);
  while (!pending.empty()) {
    std::shared_ptr<Node> node = std::move(pending.back());
    pending.pop_back();
    if (node && node.use_count() == 1) {
      for (std::shared_ptr<Node>& child : node->next) pending.push_back(std::move(child));
      node->next.clear();
    }
  }
}

bool GradMode::enabled() { return grad_mode_enabled; }
void GradMode::set_enabled(bool enabled) { grad_mode_enabled = enabled; }

bool any_requires_grad(const std::vector<Tensor>& inputs) {
  for (const Tensor& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

void record(const char* name, const std::vector<Tensor>& inputs, Tensor& out, const std::vector<Tensor>& saved,
            BackwardFn backward) {
  if (!GradMode::enabled() || !any_requires_grad(inputs)) return;
  auto node = std::make_shared<FunctionNode>(name, std::move(backward));
  for (const Tensor& in : inputs) {
    node->next.push_back(gradient_edge(in));
    node->input_shapes.push_back(in.defined() ? in.shape() : Shape{});
  }
  node->save(saved);
  out.impl()->requires_grad = true;
  out.impl()->grad_fn = std::move(node);
}

void run_backward(const Tensor& root, const Tensor& gradient, bool retain_graph) {
  if (!root.requires_grad())
    throw std::runtime_error("backward: the tensor of shape " + shape_str(root.shape()) +
                             " does not require grad and has no grad_fn (was it computed under NoGradGuard, "
                             "or from tensors that do not require grad?)");
  Tensor seed = gradient;
  if (!seed.defined()) {
    if (root.numel() != 1)
      throw std::invalid_argument("backward: a gradient can be implied only for a one-element output; got shape " +
                                  shape_str(root.shape()) + ", pass the gradient explicitly");
    seed = ones_like(root);
  } else if (seed.shape() != root.shape()) {
    throw std::invalid_argument("backward: gradient of shape " + shape_str(seed.shape()) +
                                " does not match the output's shape " + shape_str(root.shape()));
  } else if (seed.dtype() != root.dtype()) {
    seed = seed.to(root.dtype());
  }
  NoGradGuard no_grad;  // backward formulas are not themselves recorded (no double backward)
  std::shared_ptr<Node> start = gradient_edge(root);

  // Topological order (Kahn): a node may run only when every consumer of its output has
  // sent its gradient, so that the gradient it propagates is the complete sum over all
  // paths. First count, for each node, the edges that arrive at it.
  std::unordered_map<Node*, int> pending_inputs;
  std::vector<Node*> stack{start.get()};
  pending_inputs[start.get()] = 0;
  while (!stack.empty()) {
    Node* node = stack.back();
    stack.pop_back();
    for (const auto& next : node->next) {
      if (!next) continue;
      if (pending_inputs.find(next.get()) == pending_inputs.end()) stack.push_back(next.get());
      ++pending_inputs[next.get()];
    }
  }

  std::unordered_map<Node*, Tensor> gradients{{start.get(), seed}};
  std::vector<std::shared_ptr<Node>> ready{start};
  while (!ready.empty()) {
    std::shared_ptr<Node> node = ready.back();
    ready.pop_back();
    if (node->released())
      throw std::runtime_error("backward: trying to run backward through the graph a second time (op " + node->name() +
                               "); its saved tensors were freed by the first backward. Pass retain_graph=true to "
                               "the first backward if you need to call it twice");
    Tensor grad = std::move(gradients[node.get()]);
    gradients.erase(node.get());
    std::vector<Tensor> input_grads = node->apply(grad);
    if (!retain_graph) node->release();
    for (size_t i = 0; i < node->next.size(); ++i) {
      const std::shared_ptr<Node>& next = node->next[i];
      if (!next) continue;
      const Tensor& g = i < input_grads.size() ? input_grads[i] : Tensor();
      if (g.defined()) {
        if (g.shape() != node->input_shapes[i])
          throw std::logic_error("backward of " + node->name() + " returned a gradient of shape " + shape_str(g.shape()) +
                                 " for input " + std::to_string(i) + " of shape " + shape_str(node->input_shapes[i]));
        Tensor& slot = gradients[next.get()];
        slot = slot.defined() ? add(slot, g) : g;
      }
      if (--pending_inputs[next.get()] == 0 && gradients.count(next.get())) ready.push_back(next);
    }
  }
}

}  // namespace ganforge
