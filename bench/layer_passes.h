// The primitive calls of a GAN layer (bench/gan_layers.h) in a training step, with their
// operands allocated on a backend's device: what bench_layers.cpp times.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "bench/gan_layers.h"
#include "bench/measure.h"
#include "kernels/backend.h"

namespace ganforge::bench {

// A layer's primitives, by the name a benchmark gives them: conv fprop / dgrad / wgrad (a
// transposed layer's forward is dgrad, its backward-data fprop), norm forward_train /
// backward (instance norm: batch norm on [1, N·C, H·W]), activation, reflection pad and loss
// forward / backward, and adam_step_multi.
std::vector<std::string> layer_primitives(const LayerSpec& spec);

struct PreparedPass {
  std::function<void()> run;  // one call of the primitive on operands it keeps alive
  Work work;
  std::string label;          // what the layer is, for the benchmark's label
};

// Operands of random values on `backend`'s device (allocated through it) for `batch` examples.
PreparedPass prepare_pass(const GanModel& model, const Layer& layer, const std::string& primitive,
                          kernels::Backend& backend, int64_t batch);

}  // namespace ganforge::bench
