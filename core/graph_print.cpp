#include "core/graph_print.h"

#include <iostream>
#include <unordered_map>
#include <vector>

#include "core/autograd.h"

namespace ganforge {
namespace {

// Past this many levels the text drawing stops indenting (a chain of 50,000 ops would otherwise
// print 50,000 lines of growing indentation, quadratic in the depth).
constexpr size_t kMaxIndentLevels = 40;

// Edges into each node of the graph below `root` (a node reached twice gets a #n tag).
std::unordered_map<const Node*, int> in_degrees(const Node* root) {
  std::unordered_map<const Node*, int> degree{{root, 0}};
  std::vector<const Node*> pending{root};
  while (!pending.empty()) {
    const Node* node = pending.back();
    pending.pop_back();
    for (const std::shared_ptr<Node>& next : node->next) {
      if (!next) continue;
      if (degree[next.get()]++ == 0) pending.push_back(next.get());
    }
  }
  return degree;
}

std::string no_graph(const Tensor& root) {
  return "a " + shape_str(root.shape()) + " " + dtype_name(root.dtype()) +
         " tensor with no backward graph (a leaf, or nothing it was computed from requires grad)\n";
}

}  // namespace

std::string graph_text(const Tensor& root) {
  if (!root.defined()) return "an undefined tensor\n";
  const Node* top = root.grad_fn().get();
  if (top == nullptr) return no_graph(root);
  const std::unordered_map<const Node*, int> degree = in_degrees(top);
  std::unordered_map<const Node*, int> tags;  // shared nodes, numbered as first printed
  std::string text = "backward graph of a " + shape_str(root.shape()) + " " + dtype_name(root.dtype()) + " tensor\n";
  // Depth first, children in input order: each entry is a line still to print.
  struct Line {
    const Node* node;    // null: an input that needs no gradient
    Shape shape;         // of the gradient along the edge (none for the root)
    std::string lead;    // the tree drawing before this line's label
    std::string indent;  // the drawing under it, for its children
    size_t level;
  };
  std::vector<Line> pending{{top, {}, "", "", 0}};
  while (!pending.empty()) {
    const Line line = std::move(pending.back());
    pending.pop_back();
    text += line.lead;
    text += line.node != nullptr ? line.node->name() : "(no gradient)";
    if (line.node != top) text += "  " + shape_str(line.shape);
    if (line.node == nullptr) {
      text += "\n";
      continue;
    }
    if (degree.at(line.node) > 1) {
      const auto [tag, first] = tags.try_emplace(line.node, static_cast<int>(tags.size()) + 1);
      text += "  #" + std::to_string(tag->second);
      if (!first) {
        text += " (above)\n";
        continue;
      }
    }
    text += "\n";
    const auto& next = line.node->next;
    const bool deeper = line.level < kMaxIndentLevels;
    for (size_t i = next.size(); i-- > 0;) {  // pushed last to first, so printed first to last
      const bool last = i + 1 == next.size();
      const Shape shape = i < line.node->input_shapes.size() ? line.node->input_shapes[i] : Shape{};
      pending.push_back({next[i].get(), shape, line.indent + (last ? "└─ " : "├─ "),
                         deeper ? line.indent + (last ? "   " : "│  ") : line.indent, line.level + 1});
    }
  }
  return text;
}

std::string graph_dot(const Tensor& root) {
  if (!root.defined() || root.grad_fn() == nullptr) {
    std::string why = graph_text(root);
    why.pop_back();  // the newline
    return "digraph backward {\n  label=\"" + why + "\";\n}\n";
  }
  std::unordered_map<const Node*, int> ids;
  std::string nodes, edges;
  auto id_of = [&](const Node* node) {
    const auto [it, added] = ids.try_emplace(node, static_cast<int>(ids.size()));
    if (added) nodes += "  n" + std::to_string(it->second) + " [label=\"" + node->name() + "\"];\n";
    return it->second;
  };
  int unnamed = 0;  // inputs that need no gradient, one box each
  std::vector<const Node*> pending{root.grad_fn().get()};
  id_of(pending.back());
  while (!pending.empty()) {
    const Node* node = pending.back();
    pending.pop_back();
    const int from = ids.at(node);
    for (size_t i = 0; i < node->next.size(); ++i) {
      const Node* next = node->next[i].get();
      const std::string shape = i < node->input_shapes.size() ? shape_str(node->input_shapes[i]) : "";
      std::string to = next == nullptr ? "none" : "n";
      if (next == nullptr) {
        to += std::to_string(unnamed++);
        nodes += "  " + to + " [label=\"no gradient\", shape=plaintext, fontcolor=gray];\n";
      } else {
        const bool seen = ids.count(next) != 0;
        to += std::to_string(id_of(next));
        if (!seen) pending.push_back(next);
      }
      edges += "  n" + std::to_string(from) + " -> " + to + " [label=\"" + shape + "\"];\n";
    }
  }
  return "digraph backward {\n  node [shape=box];\n" + nodes + edges + "}\n";
}

void print_graph(const Tensor& root, std::ostream& out) { out << graph_text(root); }
void print_graph(const Tensor& root) { print_graph(root, std::cout); }

}  // namespace ganforge
