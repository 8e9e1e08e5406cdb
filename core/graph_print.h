// The backward graph that autograd recorded for a tensor, as text or as Graphviz DOT: what
// backward() will walk, for reading and teaching. Each node is the op whose backward runs there
// ("matmul", "accumulate_grad" for a leaf that wants a gradient), and each edge the shape of the
// gradient that flows along it; an input that needs no gradient shows as "(no gradient)".
//
//   Tensor loss = mean(pow(matmul(x, w) - 1.0, 2.0));
//   print_graph(loss);
//     backward graph of a [] f32 tensor
//     mean
//     └─ pow  [4, 1]
//        ├─ sub  [4, 1]
//        ...
//
// A node reached along several edges (a tensor used twice) is printed in full once, tagged #n,
// and named by its tag elsewhere. Graphs of any depth are walked without recursion; past 40
// levels the text stops indenting further.
#pragma once

#include <iosfwd>
#include <string>

#include "core/tensor.h"

namespace ganforge {

std::string graph_text(const Tensor& root);
// Nodes n0 (the root's op), n1, ...; edges from each node to the nodes its gradients go to.
std::string graph_dot(const Tensor& root);
void print_graph(const Tensor& root, std::ostream& out);
void print_graph(const Tensor& root);  // to std::cout

}  // namespace ganforge
