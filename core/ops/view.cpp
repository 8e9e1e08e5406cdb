// Views and conversions. A view shares its base's storage and only changes shape, strides
// and offset; its backward maps the gradient back onto the base's shape.
#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "core/dispatch.h"
#include "core/ops.h"

namespace ganforge {
namespace {

Tensor make_view(const Tensor& base, Shape shape, Shape strides, int64_t offset) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = base.storage();
  impl->shape = std::move(shape);
  impl->strides = std::move(strides);
  impl->offset = offset;
  impl->dtype = base.dtype();
  return Tensor(impl);
}

// Views whose backward is "reshape the gradient back to the input's shape".
Tensor reshaped_view(const char* op, const Tensor& x, Shape shape, Shape strides) {
  Tensor out = make_view(x, std::move(shape), std::move(strides), x.offset());
  Shape input_shape = x.shape();
  // d out / d x is the identity on the same elements: the gradient is only re-shaped
  record(op, {x}, out, {}, [input_shape](const Tensor& g, const BackwardContext&) -> std::vector<Tensor> {
    return {g.reshape(input_shape)};
  });
  return out;
}

Shape infer_shape(const Shape& requested, int64_t numel, const char* op, const Shape& from) {
  Shape shape = requested;
  int64_t known = 1;
  int infer = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) throw std::invalid_argument(std::string(op) + ": only one dim can be -1 in " + shape_str(requested));
      infer = static_cast<int>(i);
    } else if (shape[i] < 0) {
      throw std::invalid_argument(std::string(op) + ": invalid size in " + shape_str(requested));
    } else {
      known *= shape[i];
    }
  }
  if (infer >= 0 && known != 0 && numel % known == 0) shape[infer] = numel / known;
  if (shape_numel(shape) != numel || (infer >= 0 && known == 0))
    throw std::invalid_argument(std::string(op) + ": cannot reshape a tensor of shape " + shape_str(from) + " (" +
                                std::to_string(numel) + " elements) into " + shape_str(requested));
  return shape;
}

}  // namespace

Tensor Tensor::to(DType target) const {
  if (dtype() == target) return *this;
  if (requires_grad() && !is_floating(target))
    throw std::invalid_argument("to: converting a tensor that requires grad to " + std::string(dtype_name(target)) +
                                " would cut the gradient; detach() it first");
  Tensor out = empty(shape(), TensorOptions{target, device(), false});
  backend_for(device()).copy(describe(out), describe(*this));
  DType source = dtype();
  // d out / d x = 1: convert the gradient back to the input's dtype
  record("to_dtype", {*this}, out, {}, [source](const Tensor& g, const BackwardContext&) -> std::vector<Tensor> {
    return {g.to(source)};
  });
  return out;
}

Tensor Tensor::to(Device target) const {
  if (device() == target) return *this;
  Tensor source = contiguous();
  Tensor out = empty(shape(), TensorOptions{dtype(), target, false});
  std::vector<char> staging(static_cast<size_t>(numel()) * dtype_size(dtype()));
  backend_for(device()).copy_to_host(staging.data(), source.data_ptr(), staging.size());
  backend_for(target).copy_from_host(out.data_ptr(), staging.data(), staging.size());
  Device from = device();
  record("to_device", {*this}, out, {}, [from](const Tensor& g, const BackwardContext&) -> std::vector<Tensor> {
    return {g.to(from)};
  });
  return out;
}

Tensor Tensor::clone() const {
  Tensor out = empty(shape(), TensorOptions{dtype(), device(), false});
  backend_for(device()).copy(describe(out), describe(*this));
  // d out / d x = 1
  record("clone", {*this}, out, {}, [](const Tensor& g, const BackwardContext&) -> std::vector<Tensor> { return {g}; });
  return out;
}

Tensor Tensor::contiguous() const { return is_contiguous() ? *this : clone(); }

Tensor Tensor::view(const Shape& requested) const {
  Shape shape = infer_shape(requested, numel(), "view", this->shape());
  if (!is_contiguous())
    throw std::invalid_argument("view: a tensor of shape " + shape_str(this->shape()) + " and strides " +
                                shape_str(strides()) + " is not contiguous; use reshape() (which copies) instead");
  return reshaped_view("view", *this, shape, contiguous_strides(shape));
}

Tensor Tensor::reshape(const Shape& requested) const {
  Shape shape = infer_shape(requested, numel(), "reshape", this->shape());
  return contiguous().view(shape);
}

Tensor Tensor::flatten(int start_dim, int end_dim) const {
  if (dim() == 0) return reshape({1});
  int start = wrap_dim(start_dim, dim(), "flatten"), end = wrap_dim(end_dim, dim(), "flatten");
  if (start > end) throw std::invalid_argument("flatten: start_dim comes after end_dim");
  Shape shape(this->shape().begin(), this->shape().begin() + start);
  int64_t merged = 1;
  for (int d = start; d <= end; ++d) merged *= this->shape()[d];
  shape.push_back(merged);
  shape.insert(shape.end(), this->shape().begin() + end + 1, this->shape().end());
  return reshape(shape);
}

Tensor Tensor::permute(const std::vector<int>& dims) const {
  if (static_cast<int>(dims.size()) != dim())
    throw std::invalid_argument("permute: got " + std::to_string(dims.size()) + " dims for a tensor of shape " +
                                shape_str(shape()));
  std::vector<int> inverse(dims.size());
  std::vector<bool> seen(dims.size(), false);
  Shape shape(dims.size()), strides(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) {
    int d = wrap_dim(dims[i], dim(), "permute");
    if (seen[d]) throw std::invalid_argument("permute: dim " + std::to_string(d) + " repeated");
    seen[d] = true;
    inverse[d] = static_cast<int>(i);
    shape[i] = this->shape()[d];
    strides[i] = this->strides()[d];
  }
  Tensor out = make_view(*this, shape, strides, offset());
  // the gradient is permuted back by the inverse permutation
  record("permute", {*this}, out, {}, [inverse](const Tensor& g, const BackwardContext&) -> std::vector<Tensor> {
    return {g.permute(inverse)};
  });
  return out;
}

Tensor Tensor::transpose(int dim0, int dim1) const {
  std::vector<int> order(static_cast<size_t>(dim()));
  std::iota(order.begin(), order.end(), 0);
  std::swap(order[wrap_dim(dim0, dim(), "transpose")], order[wrap_dim(dim1, dim(), "transpose")]);
  return permute(order);
}

Tensor Tensor::t() const {
  if (dim() != 2) throw std::invalid_argument("t: expects a 2-D tensor; got shape " + shape_str(shape()));
  return transpose(0, 1);
}

Tensor Tensor::slice(int dim_, int64_t start, int64_t end, int64_t step) const {
  int d = wrap_dim(dim_, dim(), "slice");
  int64_t size = shape()[d];
  if (step <= 0) throw std::invalid_argument("slice: step must be positive; got " + std::to_string(step));
  if (start < 0) start += size;
  if (end < 0) end += size;
  start = std::clamp<int64_t>(start, 0, size);
  end = std::clamp<int64_t>(end, start, size);
  Shape shape = this->shape(), strides = this->strides();
  shape[d] = (end - start + step - 1) / step;
  strides[d] *= step;
  Tensor out = make_view(*this, shape, strides, offset() + start * this->strides()[d]);
  Shape input_shape = this->shape();
  // the gradient lands on the sliced elements; every other element of the input gets 0
  record("slice", {*this}, out, {}, [=](const Tensor& g, const BackwardContext&) -> std::vector<Tensor> {
    Tensor grad = zeros(input_shape, TensorOptions{g.dtype(), g.device(), false});
    grad.slice(d, start, end, step).copy_(g);
    return {grad};
  });
  return out;
}

Tensor Tensor::narrow(int dim_, int64_t start, int64_t length) const {
  int d = wrap_dim(dim_, dim(), "narrow");
  if (start < 0 || length < 0 || start + length > shape()[d])
    throw std::out_of_range("narrow: [" + std::to_string(start) + ", " + std::to_string(start + length) +
                            ") is outside dim " + std::to_string(d) + " of shape " + shape_str(shape()));
  return slice(d, start, start + length);
}

Tensor Tensor::select(int dim_, int64_t index) const {
  int d = wrap_dim(dim_, dim(), "select");
  int64_t size = shape()[d];
  if (index < -size || index >= size)
    throw std::out_of_range("select: index " + std::to_string(index) + " out of range for dim " + std::to_string(d) +
                            " of shape " + shape_str(shape()));
  if (index < 0) index += size;
  return narrow(d, index, 1).squeeze(d);
}

Tensor Tensor::squeeze() const {
  Shape shape, strides;
  for (int d = 0; d < dim(); ++d)
    if (this->shape()[d] != 1) {
      shape.push_back(this->shape()[d]);
      strides.push_back(this->strides()[d]);
    }
  return reshaped_view("squeeze", *this, shape, strides);
}

Tensor Tensor::squeeze(int dim_) const {
  int d = wrap_dim(dim_, dim(), "squeeze");
  if (shape()[d] != 1) return *this;
  Shape shape = this->shape(), strides = this->strides();
  shape.erase(shape.begin() + d);
  strides.erase(strides.begin() + d);
  return reshaped_view("squeeze", *this, shape, strides);
}

Tensor Tensor::unsqueeze(int dim_) const {
  int d = wrap_dim(dim_, dim() + 1, "unsqueeze");
  Shape shape = this->shape(), strides = this->strides();
  int64_t stride = d < dim() ? this->strides()[d] * this->shape()[d] : 1;
  shape.insert(shape.begin() + d, 1);
  strides.insert(strides.begin() + d, stride);
  return reshaped_view("unsqueeze", *this, shape, strides);
}

Tensor Tensor::expand(const Shape& requested) const {
  if (requested.size() < shape().size())
    throw std::invalid_argument("expand: cannot expand shape " + shape_str(shape()) + " to fewer dims " +
                                shape_str(requested));
  size_t lead = requested.size() - shape().size();
  Shape shape(requested.size()), strides(requested.size());
  for (size_t i = 0; i < requested.size(); ++i) {
    int64_t own = i < lead ? 1 : this->shape()[i - lead];
    int64_t want = requested[i] == -1 ? own : requested[i];
    if (i < lead && requested[i] == -1)
      throw std::invalid_argument("expand: -1 is not allowed for the new leading dim " + std::to_string(i));
    if (own != want && own != 1)
      throw std::invalid_argument("expand: shape " + shape_str(this->shape()) + " cannot be expanded to " +
                                  shape_str(requested) + " (dim " + std::to_string(i) + " has size " +
                                  std::to_string(own) + ", which is not 1)");
    shape[i] = want;
    strides[i] = (i < lead || own != want) ? 0 : this->strides()[i - lead];
  }
  Tensor out = make_view(*this, shape, strides, offset());
  Shape input_shape = this->shape();
  // every input element feeds several outputs: its gradient is their sum
  record("expand", {*this}, out, {}, [input_shape](const Tensor& g, const BackwardContext&) -> std::vector<Tensor> {
    return {sum_to(g, input_shape)};
  });
  return out;
}

}  // namespace ganforge
