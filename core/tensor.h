// Tensor: a cheap handle (one shared_ptr) to shape, strides, offset, dtype and refcounted
// storage, plus the autograd fields. Copying a Tensor copies the handle, not the data;
// views (reshape, permute, narrow, expand, ...) share storage with their base.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "core/shape.h"
#include "core/storage.h"
#include "kernels/dtype.h"

namespace ganforge {

class Node;
struct TensorImpl;

struct TensorOptions {
  DType dtype = DType::F32;
  Device device{};
  bool requires_grad = false;

  TensorOptions with_dtype(DType d) const { auto o = *this; o.dtype = d; return o; }
  TensorOptions with_device(Device d) const { auto o = *this; o.device = d; return o; }
  TensorOptions with_requires_grad(bool r = true) const { auto o = *this; o.requires_grad = r; return o; }
};

class Tensor {
 public:
  Tensor() = default;  // undefined: holds nothing; defined() is false
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const;
  const Shape& strides() const;
  int64_t offset() const;
  int dim() const;
  int64_t size(int dim) const;  // negative dims count from the end
  int64_t numel() const;
  DType dtype() const;
  Device device() const;
  bool is_contiguous() const;
  const std::shared_ptr<Storage>& storage() const;
  // Address of element 0 (on the tensor's device).
  void* data_ptr() const;
  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  bool same(const Tensor& other) const { return impl_ == other.impl_; }

  // --- autograd ---
  bool requires_grad() const;
  // Marks a leaf as wanting gradients. Integer tensors cannot (clear error).
  Tensor& requires_grad_(bool required = true);
  bool is_leaf() const;
  const std::shared_ptr<Node>& grad_fn() const;
  Tensor grad() const;  // undefined until a backward pass reaches this leaf
  void set_grad(const Tensor& grad) const;  // the handle is const; the shared state is not
  // Calls `hook` with this leaf each time a backward pass has added its gradient to grad() (as
  // PyTorch's register_post_accumulate_grad_hook): data-parallel training starts reducing a
  // parameter's gradient there, while the rest of the backward pass still runs.
  void register_post_accumulate_grad_hook(std::function<void(const Tensor&)> hook) const;
  // Backpropagates from this tensor. With no gradient, the tensor must hold one element.
  void backward(const Tensor& gradient = Tensor(), bool retain_graph = false) const;
  // A tensor sharing this one's storage with no history and no gradient requirement.
  Tensor detach() const;
  uint64_t version() const;  // bumped by every in-place change of the storage

  // --- host access ---
  template <class T>
  T item() const;
  template <class T>
  std::vector<T> to_vector() const;
  std::string to_string() const;

  // --- conversions and views (all differentiable) ---
  Tensor to(DType dtype) const;
  Tensor to(Device device) const;
  Tensor contiguous() const;
  Tensor clone() const;
  Tensor view(const Shape& shape) const;     // no copy; needs a contiguous tensor
  Tensor reshape(const Shape& shape) const;  // copies only when needed; one dim may be -1
  Tensor flatten(int start_dim = 0, int end_dim = -1) const;
  Tensor permute(const std::vector<int>& dims) const;
  Tensor transpose(int dim0, int dim1) const;
  Tensor t() const;  // transpose of a 2-D tensor
  Tensor narrow(int dim, int64_t start, int64_t length) const;
  Tensor slice(int dim, int64_t start, int64_t end, int64_t step = 1) const;
  Tensor select(int dim, int64_t index) const;
  Tensor squeeze() const;
  Tensor squeeze(int dim) const;
  Tensor unsqueeze(int dim) const;
  Tensor expand(const Shape& shape) const;  // -1 keeps a dim; new leading dims allowed

  // --- reductions (dims empty = all dims) ---
  Tensor sum(const std::vector<int>& dims = {}, bool keepdim = false) const;
  Tensor mean(const std::vector<int>& dims = {}, bool keepdim = false) const;
  Tensor max(const std::vector<int>& dims = {}, bool keepdim = false) const;
  Tensor min(const std::vector<int>& dims = {}, bool keepdim = false) const;
  Tensor var(const std::vector<int>& dims = {}, int64_t correction = 1, bool keepdim = false) const;
  Tensor argmax(int dim, bool keepdim = false) const;
  Tensor argmin(int dim, bool keepdim = false) const;

  // --- in-place (not recorded by autograd; allowed on tensors that need no grad, or under
  // NoGradGuard, e.g. optimizer updates). Each bumps the storage's version counter. ---
  Tensor& fill_(double value);
  Tensor& zero_();
  Tensor& copy_(const Tensor& source);  // broadcasts source to this shape, converts dtype
  Tensor& add_(const Tensor& other, double alpha = 1);
  Tensor& mul_(const Tensor& other);
  Tensor& mul_(double factor);

 private:
  std::shared_ptr<TensorImpl> impl_;
};

// What a Tensor handle points at.
struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Shape shape;
  Shape strides;  // in elements
  int64_t offset = 0;
  DType dtype = DType::F32;

  bool requires_grad = false;
  Tensor grad;
  std::shared_ptr<Node> grad_fn;            // null for leaves
  std::weak_ptr<Node> grad_accumulator;     // a leaf's AccumulateGrad node, made on demand
  std::vector<std::function<void(const Tensor&)>> post_accumulate_grad_hooks;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);

// ---------------------------------------------------------------- factories
Tensor empty(const Shape& shape, const TensorOptions& options = {});
Tensor zeros(const Shape& shape, const TensorOptions& options = {});
Tensor ones(const Shape& shape, const TensorOptions& options = {});
Tensor full(const Shape& shape, double value, const TensorOptions& options = {});
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
Tensor full_like(const Tensor& t, double value);
Tensor empty_like(const Tensor& t);
// [start, end) in steps, in options.dtype (f32 unless given); arange(n) gives i64 0..n-1.
Tensor arange(double start, double end, double step = 1, const TensorOptions& options = {});
Tensor arange(int64_t end, const TensorOptions& options = TensorOptions{}.with_dtype(DType::I64));
// A tensor holding a copy of `values`, with the given shape (numel must match).
Tensor from_vector(const std::vector<float>& values, const Shape& shape, const TensorOptions& options = {});
Tensor from_vector(const std::vector<double>& values, const Shape& shape,
                   const TensorOptions& options = TensorOptions{}.with_dtype(DType::F64));
Tensor from_vector(const std::vector<int64_t>& values, const Shape& shape,
                   const TensorOptions& options = TensorOptions{}.with_dtype(DType::I64));
Tensor scalar_tensor(double value, const TensorOptions& options = {});

}  // namespace ganforge
