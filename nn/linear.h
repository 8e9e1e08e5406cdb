// Linear and Embedding layers (PyTorch's layouts and default initialisation).
#pragma once

#include "nn/module.h"

namespace ganforge::nn {

// y = x·wᵀ + b with weight [out, in] and bias [out]; x is [..., in].
class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias = true, const TensorOptions& options = {});
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Linear"; }
  std::string extra_repr() const override;

  const int64_t in_features, out_features;
  Tensor weight, bias;  // bias undefined without one
};

// A lookup table: i64 indices of any shape -> indices.shape + [dim] rows of weight [num, dim],
// initialised N(0, 1).
class Embedding : public Module {
 public:
  Embedding(int64_t num_embeddings, int64_t embedding_dim, const TensorOptions& options = {});
  Tensor forward(const Tensor& indices) override;
  std::string type_name() const override { return "Embedding"; }
  std::string extra_repr() const override;

  const int64_t num_embeddings, embedding_dim;
  Tensor weight;
};

}  // namespace ganforge::nn
