#include "kernels/profiling_backend.h"

#include <chrono>
#include <map>
#include <mutex>
#include <tuple>
#include <type_traits>

#include "kernels/flops.h"
#include "kernels/emulator_counters.h"
#include "kernels/primitive_names.h"

namespace ganforge::kernels {
namespace {

thread_local PrimitiveCounts* t_counts = nullptr;

double operand_bytes(const TensorDesc& t) {
  if (!t.present()) return 0;
  double elements = 1;
  for (int d = 0; d < t.ndim; ++d) elements *= t.strides[d] != 0 || t.shape[d] == 0 ? static_cast<double>(t.shape[d]) : 1;
  return elements * static_cast<double>(dtype_size(t.dtype));
}

double operand_bytes(const GemmDesc& g) {
  auto matrix = [&](const MatrixDesc& x, int64_t rows, int64_t cols) {
    return static_cast<double>((x.batch_stride != 0 ? g.batch : 1) * rows * cols * static_cast<int64_t>(dtype_size(g.dtype)));
  };
  return matrix(g.a, g.m, g.k) + matrix(g.b, g.k, g.n) + matrix(g.c, g.m, g.n);
}

double operand_bytes(std::span<const AdamTensors> tensors) {
  double bytes = 0;
  for (const AdamTensors& t : tensors)
    bytes += operand_bytes(t.param) + operand_bytes(t.grad) + operand_bytes(t.exp_avg) + operand_bytes(t.exp_avg_sq);
  return bytes;
}

double operand_bytes(std::span<const SgdTensors> tensors) {
  double bytes = 0;
  for (const SgdTensors& t : tensors) bytes += operand_bytes(t.param) + operand_bytes(t.grad) + operand_bytes(t.momentum_buffer);
  return bytes;
}

template <class T>
double operand_bytes(const T&) {  // an op, a scalar, a parameter struct
  return 0;
}

template <Primitive P>
using Tag = std::integral_constant<Primitive, P>;

double flops(auto, const auto&...) { return 0; }
double flops(Tag<Primitive::gemm>, const GemmDesc& g) { return gemm_flops(g); }
double flops(Tag<Primitive::conv2d_fprop>, const ConvParams&, const TensorDesc&, const TensorDesc& w, const TensorDesc&,
             const TensorDesc& y) {
  return conv2d_flops(y, w);
}
double flops(Tag<Primitive::conv2d_dgrad>, const ConvParams&, const TensorDesc& dy, const TensorDesc& w, const TensorDesc&,
             const TensorDesc&) {
  return conv2d_flops(dy, w);
}
double flops(Tag<Primitive::conv2d_wgrad>, const ConvParams&, const TensorDesc&, const TensorDesc& dy, const TensorDesc& dw,
             const TensorDesc&) {
  return conv2d_flops(dy, dw);
}

// The op a call names: its first argument, for a primitive that takes ops.
template <class Ops, class First, class... Rest>
size_t op_number(const First& first, const Rest&...) {
  if constexpr (std::is_same_v<Ops, NoOps>) {
    return 0;
  } else {
    static_assert(std::is_same_v<First, Ops>, "a primitive that takes ops has the op first");
    return static_cast<size_t>(first);
  }
}

template <Primitive P, class Ops, class Call, class... Args>
void count(Backend& inner, Call&& call, const std::tuple<Args...>& args) {
  PrimitiveCounts* counts = t_counts;
  if (counts == nullptr) return call();
  const bool device = inner.device_type() != DeviceType::CPU;
  if (device) inner.synchronize();
  const EmulatorCounters before = emulator_counters();
  const auto start = std::chrono::steady_clock::now();
  call();
  if (device) inner.synchronize();
  const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;
  const EmulatorCounters after = emulator_counters();
  const double bytes = std::apply([](const auto&... a) { return (0.0 + ... + operand_bytes(a)); }, args);
  const double work = std::apply([](const auto&... a) { return flops(Tag<P>{}, a...); }, args);
  const size_t op = std::apply([](const auto&... a) { return op_number<Ops>(a...); }, args);
  counts->add(primitive_op_index(P, op), {1, seconds.count(), bytes, work, after.launches - before.launches,
                                          after.l2_bytes - before.l2_bytes, after.dram_bytes - before.dram_bytes});
}

}  // namespace

PrimitiveCounts::PrimitiveCounts() : slots_(primitive_op_names().size()) {}

void PrimitiveCounts::add(size_t slot, const PrimitiveTotals& call) {
  PrimitiveTotals& s = slots_[slot];
  s.calls += call.calls;
  s.seconds += call.seconds;
  s.bytes += call.bytes;
  s.flops += call.flops;
  s.launches += call.launches;
  s.l2_bytes += call.l2_bytes;
  s.dram_bytes += call.dram_bytes;
}

std::vector<std::pair<std::string, PrimitiveTotals>> PrimitiveCounts::called() const {
  std::vector<std::pair<std::string, PrimitiveTotals>> rows;
  for (size_t i = 0; i < slots_.size(); ++i)
    if (slots_[i].calls > 0) rows.emplace_back(primitive_op_names()[i], slots_[i]);
  return rows;
}

void count_primitives_on_this_thread(PrimitiveCounts* counts) { t_counts = counts; }

#define GANFORGE_COUNTED(primitive, ops, parameters, arguments)                                                  \
  void ProfilingBackend::primitive parameters {                                                                  \
    count<Primitive::primitive, ops>(inner_, [&] { inner_.primitive arguments; }, std::forward_as_tuple arguments); \
  }
GANFORGE_PRIMITIVES(GANFORGE_COUNTED)
GANFORGE_COMPOSED_PRIMITIVES(GANFORGE_COUNTED)
GANFORGE_FUSED_PRIMITIVES(GANFORGE_COUNTED)
#undef GANFORGE_COUNTED

ProfilingBackend& profiling_backend(Backend& inner) {
  if (auto* profiling = dynamic_cast<ProfilingBackend*>(&inner)) return *profiling;
  static std::mutex mutex;
  static auto* decorators = new std::map<Backend*, ProfilingBackend*>;  // never destroyed: see the header
  const std::lock_guard lock(mutex);
  ProfilingBackend*& decorator = (*decorators)[&inner];
  if (decorator == nullptr) decorator = new ProfilingBackend(inner);
  return *decorator;
}

}  // namespace ganforge::kernels
