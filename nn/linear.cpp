#include "nn/linear.h"

#include <stdexcept>

#include "core/layer_ops.h"
#include "nn/init.h"

namespace ganforge::nn {

namespace {
void check_positive(const char* layer, const char* what, int64_t value) {
  if (value <= 0) throw std::invalid_argument(std::string(layer) + ": " + what + " must be positive; got " + std::to_string(value));
}
}  // namespace

Linear::Linear(int64_t in, int64_t out, bool with_bias, const TensorOptions& options)
    : in_features(in), out_features(out) {
  check_positive("Linear", "in_features", in);
  check_positive("Linear", "out_features", out);
  weight = register_parameter("weight", empty({out, in}, options));
  if (with_bias) bias = register_parameter("bias", empty({out}, options));
  init::default_layer_init_(weight, bias);
}

Tensor Linear::forward(const Tensor& x) {
  if (x.dim() < 1 || x.size(-1) != in_features)
    throw std::invalid_argument("Linear(" + extra_repr() + "): expected input [..., " + std::to_string(in_features) +
                                "]; got " + shape_str(x.shape()));
  return linear(x, weight, bias);
}

std::string Linear::extra_repr() const {
  return "in_features=" + std::to_string(in_features) + ", out_features=" + std::to_string(out_features) +
         ", bias=" + (bias.defined() ? "True" : "False");
}

Embedding::Embedding(int64_t num, int64_t dim, const TensorOptions& options) : num_embeddings(num), embedding_dim(dim) {
  check_positive("Embedding", "num_embeddings", num);
  check_positive("Embedding", "embedding_dim", dim);
  weight = register_parameter("weight", empty({num, dim}, options));
  init::normal_(weight);
}

Tensor Embedding::forward(const Tensor& indices) { return embedding(indices, weight); }

std::string Embedding::extra_repr() const { return std::to_string(num_embeddings) + ", " + std::to_string(embedding_dim); }

}  // namespace ganforge::nn
