// print_graph / graph_text / graph_dot: the recorded backward graph, as the tour's chapter 2
// shows it.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "core/ganforge.h"

namespace ganforge {
namespace {

TEST(GraphPrint, TheGraphOfAMeanSquaredError) {
  const Tensor x = full({4, 3}, 0.5);
  const Tensor w = full({3, 1}, 1.0).requires_grad_();
  const Tensor loss = mean(pow(matmul(x, w) - 1.0, 2.0));
  EXPECT_EQ(graph_text(loss),
            "backward graph of a [] f32 tensor\n"
            "mean\n"
            "└─ pow  [4, 1]\n"
            "   └─ add_scalar  [4, 1]\n"
            "      └─ matmul  [4, 1]\n"
            "         ├─ (no gradient)  [4, 3]\n"
            "         └─ accumulate_grad  [3, 1]\n");
  std::ostringstream printed;
  print_graph(loss, printed);
  EXPECT_EQ(printed.str(), graph_text(loss));
}

TEST(GraphPrint, ANodeReachedTwiceIsPrintedOnceAndTagged) {
  const Tensor w = full({2}, 3.0).requires_grad_();
  const Tensor y = w * w;
  const Tensor z = sum(y + y);
  EXPECT_EQ(graph_text(z),
            "backward graph of a [] f32 tensor\n"
            "sum\n"
            "└─ add  [2]\n"
            "   ├─ mul  [2]  #1\n"
            "   │  ├─ accumulate_grad  [2]  #2\n"
            "   │  └─ accumulate_grad  [2]  #2 (above)\n"
            "   └─ mul  [2]  #1 (above)\n");
}

TEST(GraphPrint, DotHasOneNodePerOpAndAnEdgePerInput) {
  const Tensor w = full({3}, 1.0).requires_grad_();
  const Tensor loss = sum(w * full({3}, 2.0));
  const std::string dot = graph_dot(loss);
  EXPECT_EQ(dot.rfind("digraph backward {\n", 0), 0u) << dot;
  for (const char* part : {"n0 [label=\"sum\"]", "n1 [label=\"mul\"]", "n2 [label=\"accumulate_grad\"]",
                           "n0 -> n1 [label=\"[3]\"]", "n1 -> n2 [label=\"[3]\"]", "label=\"no gradient\""})
    EXPECT_NE(dot.find(part), std::string::npos) << part << " in\n" << dot;
}

TEST(GraphPrint, TensorsWithoutAGraphSaySo) {
  EXPECT_EQ(graph_text(full({2, 2}, 1.0)),
            "a [2, 2] f32 tensor with no backward graph (a leaf, or nothing it was computed from requires grad)\n");
  EXPECT_EQ(graph_text(Tensor()), "an undefined tensor\n");
  EXPECT_NE(graph_dot(full({2}, 1.0)).find("label=\"a [2] f32 tensor with no backward graph"), std::string::npos);
}

// A chain far deeper than a thread's stack would allow recursion over.
TEST(GraphPrint, DeepChainsAreWalkedWithoutRecursion) {
  Tensor t = full({1}, 1.0).requires_grad_();
  Tensor y = t;
  for (int i = 0; i < 50000; ++i) y = y * 1.0;
  const std::string text = graph_text(sum(y));
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1 + 1 + 50000 + 1);  // title, sum, mul_scalar x 50000, leaf
  EXPECT_LT(text.size(), size_t{50000} * 200) << "indentation stops growing";
}

}  // namespace
}  // namespace ganforge
