#include "core/dispatch.h"

#include <atomic>
#include <mutex>
#include <stdexcept>

#include "kernels/profiling_backend.h"
#include "kernels/registry.h"

namespace ganforge {
namespace {

// A device type's backend: the one set_kernels chose, and the one backend_for hands out, which
// is that one, or its profiling decorator while a profiler runs. Written under Selection's
// mutex; read without it, as data loader threads allocate while the training thread profiles.
struct Slot {
  kernels::Backend* chosen = nullptr;
  std::atomic<kernels::Backend*> active{nullptr};
};

struct Selection {
  Slot cpu;
  Slot cuda;      // "cuda" when compiled in and a GPU is usable
  Slot cuda_sim;  // "cuda-sim" when compiled in
  std::mutex mutex;
  int profilers = 0;
  Selection() {
    cpu.chosen = &kernels::find_backend("cpu");
    for (kernels::Backend* b : kernels::all_backends()) {
      if (b->device_type() == DeviceType::CUDA && b->available() && cuda.chosen == nullptr) cuda.chosen = b;
      if (b->device_type() == DeviceType::CUDASim && cuda_sim.chosen == nullptr) cuda_sim.chosen = b;
    }
    for (Slot* s : {&cpu, &cuda, &cuda_sim}) s->active = s->chosen;
  }
  Slot& slot(DeviceType type) { return type == DeviceType::CPU ? cpu : (type == DeviceType::CUDA ? cuda : cuda_sim); }
  void activate(Slot& s) const {
    s.active = profilers > 0 && s.chosen != nullptr ? &kernels::profiling_backend(*s.chosen) : s.chosen;
  }
};

Selection& selection() {
  static Selection s;
  return s;
}

}  // namespace

kernels::Backend& backend_for(Device device) {
  if (kernels::Backend* backend = selection().slot(device.type).active.load(std::memory_order_acquire)) return *backend;
  for (kernels::Backend* b : kernels::all_backends())
    if (b->device_type() == device.type)
      throw std::runtime_error("the " + std::string(b->name()) + " kernels are compiled in, but cannot run here: no usable " +
                               device_name(device) + " device (`ganforge info` lists the devices)");
  throw std::runtime_error("no backend for device " + device_name(device) + " is compiled into this build");
}

void set_kernels(const std::string& backend_name) {
  kernels::Backend& backend = kernels::find_backend(backend_name);
  if (!backend.available()) throw std::runtime_error("kernels '" + backend_name + "' are compiled in but cannot run here");
  Selection& s = selection();
  const std::lock_guard lock(s.mutex);
  Slot& slot = s.slot(backend.device_type());
  slot.chosen = &backend;
  s.activate(slot);
}

std::string current_kernels(DeviceType type) {
  Selection& s = selection();
  const std::lock_guard lock(s.mutex);
  const kernels::Backend* backend = s.slot(type).chosen;
  return backend != nullptr ? backend->name() : "";
}

void route_through_profiler(bool on) {
  Selection& s = selection();
  const std::lock_guard lock(s.mutex);
  s.profilers += on ? 1 : -1;
  for (Slot* slot : {&s.cpu, &s.cuda, &s.cuda_sim}) s.activate(*slot);
}

KernelsGuard::KernelsGuard(const std::string& backend_name)
    : previous_(current_kernels(kernels::find_backend(backend_name).device_type())) {
  set_kernels(backend_name);
}

KernelsGuard::~KernelsGuard() { set_kernels(previous_); }

static_assert(kMaxTensorDims <= kernels::kMaxDims, "a tensor's dims must fit in a TensorDesc");

kernels::TensorDesc describe(const Tensor& t) {
  if (t.dim() > kMaxTensorDims)
    throw std::invalid_argument("tensors have at most " + std::to_string(kMaxTensorDims) + " dims; got shape " +
                                shape_str(t.shape()));
  kernels::TensorDesc d;
  d.data = t.data_ptr();
  d.dtype = t.dtype();
  d.ndim = t.dim();
  for (int i = 0; i < d.ndim; ++i) {
    d.shape[i] = t.shape()[i];
    d.strides[i] = t.strides()[i];
  }
  return d;
}

kernels::TensorDesc describe_optional(const Tensor& t) { return t.defined() ? describe(t) : kernels::absent; }

kernels::TensorDesc describe_broadcast(const Tensor& t, const Shape& shape) {
  kernels::TensorDesc d = describe(t);
  const int lead = static_cast<int>(shape.size()) - t.dim();
  d.ndim = static_cast<int>(shape.size());
  for (int i = d.ndim - 1; i >= 0; --i) {
    int src = i - lead;
    bool broadcast = src < 0 || t.shape()[src] != shape[i];
    d.shape[i] = shape[i];
    d.strides[i] = broadcast ? 0 : t.strides()[src];
  }
  return d;
}

void check_same_device(const char* op, const std::vector<Tensor>& tensors) {
  const Tensor* first = nullptr;
  for (const Tensor& t : tensors) {
    if (!t.defined()) continue;
    if (first == nullptr) first = &t;
    else if (!(t.device() == first->device()))
      throw std::invalid_argument(std::string(op) + ": tensors on different devices (" + device_name(first->device()) +
                                  " and " + device_name(t.device()) + "); move them with .to(device)");
  }
}

}  // namespace ganforge
