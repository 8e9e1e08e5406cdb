#include "nn/container.h"

#include "nn/activation.h"
#include "nn/norm.h"

namespace ganforge::nn {

Sequential::Sequential(std::initializer_list<std::shared_ptr<Module>> modules) {
  for (const auto& m : modules) push_back(m);
}

// A batch norm followed by ReLU or LeakyReLU (slope >= 0) runs as one fused layer, except
// while a summary records each module's output.
Tensor Sequential::forward(const Tensor& x) {
  Tensor y = x;
  for (size_t i = 0; i < modules_.size(); ++i) {
    auto* norm = dynamic_cast<BatchNorm*>(modules_[i].get());
    Module* next = i + 1 < modules_.size() ? modules_[i + 1].get() : nullptr;
    if (norm != nullptr && next != nullptr && !recording_summary()) {
      if (dynamic_cast<ReLU*>(next) != nullptr) {
        y = norm->forward_relu(y);
        ++i;
        continue;
      }
      if (auto* leaky = dynamic_cast<LeakyReLU*>(next); leaky != nullptr && leaky->negative_slope >= 0) {
        y = norm->forward_leaky_relu(y, leaky->negative_slope);
        ++i;
        continue;
      }
    }
    y = (*modules_[i])(y);
  }
  return y;
}

ModuleList::ModuleList(std::initializer_list<std::shared_ptr<Module>> modules) {
  for (const auto& m : modules) push_back(m);
}

}  // namespace ganforge::nn
