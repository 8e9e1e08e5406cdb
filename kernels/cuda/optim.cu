// Fused optimizer steps of the cuda / cuda-sim backend (PyTorch's single-tensor Adam and SGD,
// evaluated in double and rounded once per store, as on the cpu backend).
//
// - multi_tensor_chunks: PyTorch's multi_tensor_apply. The host cuts every tensor into chunks
//   of kChunk elements and fills a ChunkTable, passed by value as the kernel's parameters:
//   up to kTableTensors tensor slots (a pointer per operand: param, grad, state...) and up to
//   kTableBlocks (slot, chunk) pairs. Block b updates chunk b of the table, its threads striding
//   over the chunk's elements; when the table is full it is launched and refilled, a tensor cut
//   by the refill taking a slot in both tables. An optimizer step over all parameters of a
//   model is then a few launches, whatever the number of tensors; the single-tensor steps are
//   the same kernel with one tensor.
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "kernels/cuda/cuda_backend.h"

namespace ganforge::kernels::GANFORGE_CUDA_NS {
namespace {

constexpr int64_t kChunk = 4096;  // elements per block: 16 per thread of 256
constexpr int kTableTensors = 32;
constexpr int kTableBlocks = 320;

template <class T, int Operands>
struct ChunkTable {
  T* tensors[kTableTensors][Operands];  // a slot's operands; the gradient is only read
  int64_t sizes[kTableTensors];
  uint8_t block_slot[kTableBlocks];
  int32_t block_chunk[kTableBlocks];  // chunk index within its tensor
};
// Kernel parameters are limited to 4 KiB on older drivers (and Adam's update adds ~56 bytes).
static_assert(sizeof(ChunkTable<double, 4>) <= 4096 - 128, "the chunk table must fit in the kernel parameters");
static_assert(kTableTensors <= 256, "slots are numbered by uint8_t");

template <class T, int Operands, class Update>
__global__ void multi_tensor_chunks(ChunkTable<T, Operands> table, Update update) {
  const int slot = table.block_slot[blockIdx.x];
  const int64_t begin = int64_t{table.block_chunk[blockIdx.x]} * kChunk;
  const int64_t size = table.sizes[slot], end = begin + kChunk < size ? begin + kChunk : size;
  T* const* operands = table.tensors[slot];
  for (int64_t i = begin + threadIdx.x; i < end; i += blockDim.x) update(operands, i);
}

// g += wd·θ;  m = β1·m + (1-β1)·g;  v = β2·v + (1-β2)·g²;
// θ -= lr/(1-β1^t) · m / (sqrt(v)/sqrt(1-β2^t) + eps).   Operands: param, grad, exp_avg, exp_avg_sq.
struct AdamUpdate {
  double beta1, beta2, eps, weight_decay, step_size, root_correction2;
  template <class T>
  __device__ void operator()(T* const* t, int64_t i) const {
    const double theta = static_cast<double>(t[0][i]);
    const double g = static_cast<double>(t[1][i]) + weight_decay * theta;
    const double m = beta1 * static_cast<double>(t[2][i]) + (1 - beta1) * g;
    const double v = beta2 * static_cast<double>(t[3][i]) + (1 - beta2) * g * g;
    t[2][i] = static_cast<T>(m);
    t[3][i] = static_cast<T>(v);
    t[0][i] = static_cast<T>(theta - step_size * m / (sqrt(v) / root_correction2 + eps));
  }
};

// d = g + wd·θ;  with momentum: b = d on the first step, else μ·b + (1-dampening)·d;
// d = nesterov ? d + μ·b : b;  θ -= lr·d.   Operands: param, grad, momentum_buffer.
struct SgdUpdate {
  double lr, momentum, dampening, weight_decay;
  bool nesterov, first_step;
  template <class T>
  __device__ void operator()(T* const* t, int64_t i) const {
    const double theta = static_cast<double>(t[0][i]);
    double d = static_cast<double>(t[1][i]) + weight_decay * theta;
    if (momentum != 0) {
      // on the first step the buffer may hold anything (even NaN): it is not read
      const double b = first_step ? d : momentum * static_cast<double>(t[2][i]) + (1 - dampening) * d;
      t[2][i] = static_cast<T>(b);
      d = nesterov ? d + momentum * b : b;
    }
    t[0][i] = static_cast<T>(theta - lr * d);
  }
};

// One tensor's operands as the host sees them.
template <int Operands>
struct Entry {
  void* operands[Operands];
  int64_t numel;
  DType dtype;
};

template <class T, int Operands, class Update>
void apply_chunks(const std::vector<Entry<Operands>>& entries, DType dtype, const Update& update) {
  ChunkTable<T, Operands> table{};
  int slots = 0, blocks = 0;
  auto flush = [&] {
    launch(multi_tensor_chunks<T, Operands, Update>, dim3(blocks), dim3(kThreadsPerBlock), 0, nullptr, table, update);
    slots = 0;
    blocks = 0;
  };
  for (const Entry<Operands>& e : entries) {
    if (e.dtype != dtype || e.numel == 0) continue;
    const int64_t chunks = (e.numel + kChunk - 1) / kChunk;
    for (int64_t c = 0; c < chunks; ++c) {
      if (c == 0 || blocks == 0) {  // the tensor's slot in this table
        for (int o = 0; o < Operands; ++o) table.tensors[slots][o] = static_cast<T*>(e.operands[o]);
        table.sizes[slots++] = e.numel;
      }
      table.block_slot[blocks] = static_cast<uint8_t>(slots - 1);
      table.block_chunk[blocks++] = static_cast<int32_t>(c);
      if (blocks == kTableBlocks || (c == chunks - 1 && slots == kTableTensors)) flush();
    }
  }
  if (blocks > 0) flush();
}

// f32 tensors in one series of launches, f64 ones in another.
template <int Operands, class Update>
void multi_tensor_apply(const std::vector<Entry<Operands>>& entries, const Update& update) {
  apply_chunks<float>(entries, DType::F32, update);
  apply_chunks<double>(entries, DType::F64, update);
}

AdamUpdate adam_update(const AdamParams& p) {
  const double step = static_cast<double>(p.step);
  return {p.beta1, p.beta2, p.eps, p.weight_decay, p.lr / (1 - std::pow(p.beta1, step)),
          std::sqrt(1 - std::pow(p.beta2, step))};
}

SgdUpdate sgd_update(const SgdParams& p) { return {p.lr, p.momentum, p.dampening, p.weight_decay, p.nesterov, p.first_step}; }

}  // namespace

void CudaBackend::adam_step_multi(const AdamParams& p, std::span<const AdamTensors> tensors) {
  std::vector<Entry<4>> entries;
  for (const AdamTensors& t : tensors)
    entries.push_back({{t.param.data, t.grad.data, t.exp_avg.data, t.exp_avg_sq.data}, t.param.numel(), t.param.dtype});
  multi_tensor_apply(entries, adam_update(p));
}

void CudaBackend::sgd_step_multi(const SgdParams& p, std::span<const SgdTensors> tensors) {
  std::vector<Entry<3>> entries;
  for (const SgdTensors& t : tensors)
    entries.push_back({{t.param.data, t.grad.data, t.momentum_buffer.data}, t.param.numel(), t.param.dtype});
  multi_tensor_apply(entries, sgd_update(p));
}

void CudaBackend::adam_step(const AdamParams& p, const TensorDesc& param, const TensorDesc& grad, const TensorDesc& exp_avg,
                            const TensorDesc& exp_avg_sq) {
  const AdamTensors single{param, grad, exp_avg, exp_avg_sq};
  adam_step_multi(p, {&single, 1});
}

void CudaBackend::sgd_step(const SgdParams& p, const TensorDesc& param, const TensorDesc& grad,
                           const TensorDesc& momentum_buffer) {
  const SgdTensors single{param, grad, momentum_buffer};
  sgd_step_multi(p, {&single, 1});
}

}  // namespace ganforge::kernels::GANFORGE_CUDA_NS
