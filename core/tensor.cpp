// Tensor accessors, autograd entry points, host access and factories.
#include "core/tensor.h"

#include <cmath>
#include <cstdio>
#include <new>
#include <stdexcept>

#include "core/autograd.h"
#include "core/dispatch.h"
#include "core/ops.h"

namespace ganforge {
namespace {

const TensorImpl& checked(const std::shared_ptr<TensorImpl>& impl) {
  if (!impl) throw std::logic_error("use of an undefined Tensor (default-constructed, or a grad never computed)");
  return *impl;
}

// An allocation that failed or was refused, naming the tensor; still a std::bad_alloc.
class AllocationError : public std::bad_alloc {
 public:
  explicit AllocationError(std::string message) : message_(std::move(message)) {}
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  std::string message_;
};

// Linux overcommits: a host allocation larger than the free memory succeeds, and the OOM
// killer ends the process when the pages are touched. Large ones are compared with what is
// available first (reading /proc costs microseconds, filling 64 MiB milliseconds).
constexpr size_t kCheckedAllocation = size_t{64} << 20;

template <class T>
constexpr DType dtype_of() {
  if constexpr (std::is_same_v<T, float>) return DType::F32;
  if constexpr (std::is_same_v<T, double>) return DType::F64;
  return DType::I64;
}

}  // namespace

const Shape& Tensor::shape() const { return checked(impl_).shape; }
const Shape& Tensor::strides() const { return checked(impl_).strides; }
int64_t Tensor::offset() const { return checked(impl_).offset; }
int Tensor::dim() const { return static_cast<int>(shape().size()); }
int64_t Tensor::size(int d) const { return shape()[wrap_dim(d, dim(), "size")]; }
int64_t Tensor::numel() const { return shape_numel(shape()); }
DType Tensor::dtype() const { return checked(impl_).dtype; }
Device Tensor::device() const { return checked(impl_).storage->device(); }
const std::shared_ptr<Storage>& Tensor::storage() const { return checked(impl_).storage; }
uint64_t Tensor::version() const { return storage()->version(); }

bool Tensor::is_contiguous() const {
  int64_t expected = 1;
  for (int d = dim() - 1; d >= 0; --d) {
    if (shape()[d] != 1 && strides()[d] != expected) return false;
    expected *= shape()[d];
  }
  return true;
}

void* Tensor::data_ptr() const {
  return static_cast<char*>(storage()->data()) + offset() * static_cast<int64_t>(dtype_size(dtype()));
}

bool Tensor::requires_grad() const { return checked(impl_).requires_grad; }

Tensor& Tensor::requires_grad_(bool required) {
  checked(impl_);
  if (required && !is_floating(dtype()))
    throw std::invalid_argument("requires_grad: only floating-point tensors can require gradients; got a " +
                                std::string(dtype_name(dtype())) + " tensor of shape " + shape_str(shape()));
  if (!is_leaf())
    throw std::invalid_argument("requires_grad: only leaf tensors can change requires_grad; use detach() on the "
                                "output of " + grad_fn()->name());
  impl_->requires_grad = required;
  return *this;
}

bool Tensor::is_leaf() const { return checked(impl_).grad_fn == nullptr; }
const std::shared_ptr<Node>& Tensor::grad_fn() const { return checked(impl_).grad_fn; }
Tensor Tensor::grad() const { return checked(impl_).grad; }

void Tensor::set_grad(const Tensor& grad) const {
  checked(impl_);
  if (grad.defined() && grad.shape() != shape())
    throw std::invalid_argument("set_grad: gradient of shape " + shape_str(grad.shape()) + " for a tensor of shape " +
                                shape_str(shape()));
  impl_->grad = grad;
}

void Tensor::register_post_accumulate_grad_hook(std::function<void(const Tensor&)> hook) const {
  if (!is_leaf() || !requires_grad())
    throw std::invalid_argument("register_post_accumulate_grad_hook: only a leaf that requires grad accumulates a gradient");
  impl_->post_accumulate_grad_hooks.push_back(std::move(hook));
}

void Tensor::backward(const Tensor& gradient, bool retain_graph) const { run_backward(*this, gradient, retain_graph); }

Tensor Tensor::detach() const {
  const TensorImpl& self = checked(impl_);
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = self.storage;
  impl->shape = self.shape;
  impl->strides = self.strides;
  impl->offset = self.offset;
  impl->dtype = self.dtype;
  return Tensor(impl);
}

template <class T>
std::vector<T> Tensor::to_vector() const {
  Tensor host = to(Device{}).to(dtype_of<T>()).contiguous();
  std::vector<T> values(static_cast<size_t>(host.numel()));
  backend_for(host.device()).copy_to_host(values.data(), host.data_ptr(), values.size() * sizeof(T));
  return values;
}

template <class T>
T Tensor::item() const {
  if (numel() != 1)
    throw std::invalid_argument("item: the tensor must hold exactly one element; it has shape " + shape_str(shape()));
  return to_vector<T>()[0];
}

template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<double> Tensor::to_vector<double>() const;
template std::vector<int64_t> Tensor::to_vector<int64_t>() const;
template float Tensor::item<float>() const;
template double Tensor::item<double>() const;
template int64_t Tensor::item<int64_t>() const;

// ------------------------------------------------------------------ factories

Tensor empty(const Shape& shape, const TensorOptions& options) {
  for (int64_t s : shape)
    if (s < 0) throw std::invalid_argument("empty: negative size in shape " + shape_str(shape));
  if (options.requires_grad && !is_floating(options.dtype))
    throw std::invalid_argument("only floating-point tensors can require gradients; asked for " +
                                std::string(dtype_name(options.dtype)));
  const auto tensor = [&] {
    return "a " + std::string(dtype_name(options.dtype)) + " tensor of shape " + shape_str(shape) + " on " +
           device_name(options.device);
  };
  size_t bytes = dtype_size(options.dtype);
  for (int64_t s : shape)
    if (__builtin_mul_overflow(bytes, static_cast<size_t>(s), &bytes))
      throw AllocationError("cannot allocate " + tensor() + ": its size in bytes overflows");
  const bool host_memory = options.device.type != DeviceType::CUDA;  // cuda-sim's device memory is host memory
  if (host_memory && bytes >= kCheckedAllocation) {
    const size_t available = available_host_memory();
    if (bytes > available)
      throw AllocationError("cannot allocate " + bytes_text(static_cast<double>(bytes)) + " for " + tensor() + ": only " +
                            bytes_text(static_cast<double>(available)) + " of memory is available");
  }
  auto impl = std::make_shared<TensorImpl>();
  try {
    impl->storage = std::make_shared<Storage>(bytes, options.device, backend_for(options.device));
  } catch (const std::bad_alloc&) {
    throw AllocationError("out of memory allocating " + bytes_text(static_cast<double>(bytes)) + " for " + tensor());
  }
  impl->shape = shape;
  impl->strides = contiguous_strides(shape);
  impl->dtype = options.dtype;
  impl->requires_grad = options.requires_grad;
  return Tensor(impl);
}

Tensor full(const Shape& shape, double value, const TensorOptions& options) {
  Tensor t = empty(shape, options.with_requires_grad(false));
  backend_for(options.device).fill(describe(t), value);
  if (options.requires_grad) t.requires_grad_();
  return t;
}

Tensor zeros(const Shape& shape, const TensorOptions& options) { return full(shape, 0, options); }
Tensor ones(const Shape& shape, const TensorOptions& options) { return full(shape, 1, options); }

static TensorOptions like(const Tensor& t) { return TensorOptions{t.dtype(), t.device(), false}; }
Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), like(t)); }
Tensor ones_like(const Tensor& t) { return ones(t.shape(), like(t)); }
Tensor full_like(const Tensor& t, double value) { return full(t.shape(), value, like(t)); }
Tensor empty_like(const Tensor& t) { return empty(t.shape(), like(t)); }
Tensor scalar_tensor(double value, const TensorOptions& options) { return full({}, value, options); }

Tensor arange(double start, double end, double step, const TensorOptions& options) {
  if (step == 0 || !std::isfinite(start) || !std::isfinite(end) || !std::isfinite(step))
    throw std::invalid_argument("arange: start, end and step must be finite and step non-zero");
  int64_t n = std::max<int64_t>(0, static_cast<int64_t>(std::ceil((end - start) / step)));
  std::vector<double> values(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) values[i] = start + static_cast<double>(i) * step;
  return from_vector(values, {n}, options);
}

Tensor arange(int64_t end, const TensorOptions& options) { return arange(0, static_cast<double>(end), 1, options); }

template <class T>
static Tensor from_host(const std::vector<T>& values, const Shape& shape, const TensorOptions& options) {
  if (static_cast<int64_t>(values.size()) != shape_numel(shape))
    throw std::invalid_argument("from_vector: " + std::to_string(values.size()) + " values do not fill shape " +
                                shape_str(shape) + " (" + std::to_string(shape_numel(shape)) + " elements)");
  Tensor host = empty(shape, TensorOptions{dtype_of<T>(), options.device, false});
  backend_for(options.device).copy_from_host(host.data_ptr(), values.data(), values.size() * sizeof(T));
  Tensor t = host.dtype() == options.dtype ? host : host.to(options.dtype);
  if (options.requires_grad) t.requires_grad_();
  return t;
}

Tensor from_vector(const std::vector<float>& v, const Shape& s, const TensorOptions& o) { return from_host(v, s, o); }
Tensor from_vector(const std::vector<double>& v, const Shape& s, const TensorOptions& o) { return from_host(v, s, o); }
Tensor from_vector(const std::vector<int64_t>& v, const Shape& s, const TensorOptions& o) { return from_host(v, s, o); }

}  // namespace ganforge
