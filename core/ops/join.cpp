// Joining (cat, stack) and indexing (index_select, one_hot).
#include <stdexcept>

#include "core/dispatch.h"
#include "core/ops.h"

namespace ganforge {

// d cat/dx_i = the slice of the gradient where x_i was placed
Tensor cat(const std::vector<Tensor>& tensors, int dim) {
  if (tensors.empty()) throw std::invalid_argument("cat: expects at least one tensor");
  check_same_device("cat", tensors);
  const Tensor& first = tensors[0];
  const int d = wrap_dim(dim, first.dim(), "cat");
  Shape shape = first.shape();
  shape[d] = 0;
  DType dtype = first.dtype();
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    bool same_rank = t.dim() == first.dim();
    for (int k = 0; same_rank && k < t.dim(); ++k)
      if (k != d && t.shape()[k] != first.shape()[k]) same_rank = false;
    if (!same_rank)
      throw std::invalid_argument("cat: tensor " + std::to_string(i) + " has shape " + shape_str(t.shape()) +
                                  ", which differs from " + shape_str(first.shape()) + " outside dim " +
                                  std::to_string(d));
    dtype = promote(dtype, t.dtype());
    shape[d] += t.shape()[d];
  }
  Tensor out = empty(shape, TensorOptions{dtype, first.device(), false});
  std::vector<int64_t> starts;
  int64_t start = 0;
  for (const Tensor& t : tensors) {
    NoGradGuard no_grad;
    out.narrow(d, start, t.shape()[d]).copy_(t);
    starts.push_back(start);
    start += t.shape()[d];
  }
  std::vector<Tensor> inputs(tensors.begin(), tensors.end());
  std::vector<int64_t> lengths;
  std::vector<DType> dtypes;
  for (const Tensor& t : tensors) {
    lengths.push_back(t.shape()[d]);
    dtypes.push_back(t.dtype());
  }
  record("cat", inputs, out, {}, [=](const Tensor& g, const BackwardContext& ctx) -> std::vector<Tensor> {
    std::vector<Tensor> grads(starts.size());
    for (size_t i = 0; i < starts.size(); ++i)
      if (ctx.needs(i)) grads[i] = g.narrow(d, starts[i], lengths[i]).to(dtypes[i]);
    return grads;
  });
  return out;
}

Tensor stack(const std::vector<Tensor>& tensors, int dim) {
  if (tensors.empty()) throw std::invalid_argument("stack: expects at least one tensor");
  for (size_t i = 1; i < tensors.size(); ++i)
    if (tensors[i].shape() != tensors[0].shape())
      throw std::invalid_argument("stack: tensor " + std::to_string(i) + " has shape " + shape_str(tensors[i].shape()) +
                                  "; all must have shape " + shape_str(tensors[0].shape()));
  const int d = wrap_dim(dim, tensors[0].dim() + 1, "stack");
  std::vector<Tensor> expanded;
  for (const Tensor& t : tensors) expanded.push_back(t.unsqueeze(d));
  return cat(expanded, d);
}

// d index_select/dx = scatter-add of the gradient rows back to the rows they came from
Tensor index_select(const Tensor& x, int dim, const Tensor& index) {
  check_same_device("index_select", {x, index});
  const int d = wrap_dim(dim, x.dim(), "index_select");
  if (index.dtype() != DType::I64 || index.dim() != 1)
    throw std::invalid_argument("index_select: index must be a 1-D i64 tensor; got a " + std::string(dtype_name(index.dtype())) +
                                " tensor of shape " + shape_str(index.shape()));
  const int64_t size = x.shape()[d];
  for (int64_t i : index.to_vector<int64_t>())
    if (i < 0 || i >= size)
      throw std::out_of_range("index_select: index " + std::to_string(i) + " is out of range for dim " + std::to_string(d) +
                              " of size " + std::to_string(size));
  Shape shape = x.shape();
  shape[d] = index.numel();
  Tensor out = empty(shape, TensorOptions{x.dtype(), x.device(), false});
  backend_for(x.device()).index_select(describe(out), describe(x), d, describe(index));
  Shape input_shape = x.shape();
  record("index_select", {x}, out, {index}, [=](const Tensor& g, const BackwardContext& ctx) -> std::vector<Tensor> {
    Tensor grad = zeros(input_shape, TensorOptions{g.dtype(), g.device(), false});
    backend_for(g.device()).index_add(describe(grad), d, describe(ctx[0]), describe(g));
    return {grad};
  });
  return out;
}

Tensor one_hot(const Tensor& labels, int64_t num_classes) {
  if (labels.dtype() != DType::I64)
    throw std::invalid_argument("one_hot: labels must be i64; got " + std::string(dtype_name(labels.dtype())));
  std::vector<int64_t> values = labels.to_vector<int64_t>();
  int64_t largest = -1;
  for (int64_t v : values) {
    if (v < 0) throw std::out_of_range("one_hot: label " + std::to_string(v) + " is negative");
    largest = std::max(largest, v);
  }
  if (num_classes < 0) num_classes = largest + 1;
  if (largest >= num_classes)
    throw std::out_of_range("one_hot: label " + std::to_string(largest) + " is out of range for " +
                            std::to_string(num_classes) + " classes");
  Tensor classes = arange(num_classes, TensorOptions{DType::I64, labels.device(), false});
  return eq(labels.unsqueeze(-1), classes);
}

}  // namespace ganforge
