// Loss functions as objects holding their reduction (PyTorch's nn.*Loss), over the fused
// losses of core/layer_ops.h: loss(input, target) -> a 0-d tensor.
#pragma once

#include "core/layer_ops.h"

namespace ganforge::nn {

// Binary cross-entropy on probabilities in [0, 1] (logs clamped at -100, as PyTorch).
struct BCELoss {
  Reduction reduction = Reduction::Mean;
  Tensor operator()(const Tensor& probabilities, const Tensor& target) const {
    return binary_cross_entropy(probabilities, target, reduction);
  }
};

// Binary cross-entropy on logits, in the stable form.
struct BCEWithLogitsLoss {
  Reduction reduction = Reduction::Mean;
  Tensor operator()(const Tensor& logits, const Tensor& target) const {
    return binary_cross_entropy_with_logits(logits, target, reduction);
  }
};

struct MSELoss {
  Reduction reduction = Reduction::Mean;
  Tensor operator()(const Tensor& input, const Tensor& target) const { return mse_loss(input, target, reduction); }
};

struct L1Loss {
  Reduction reduction = Reduction::Mean;
  Tensor operator()(const Tensor& input, const Tensor& target) const { return l1_loss(input, target, reduction); }
};

// Logits [N, C] against i64 class indices [N].
struct CrossEntropyLoss {
  Reduction reduction = Reduction::Mean;
  Tensor operator()(const Tensor& logits, const Tensor& targets) const { return cross_entropy(logits, targets, reduction); }
};

}  // namespace ganforge::nn
