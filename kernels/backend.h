// The primitive interface: every kernel GANForge runs is one virtual function of Backend.
//
// Primitives see plain descriptors (pointer, dtype, shape, strides in elements), never
// tensors or autograd. Each backend (reference, cpu, cuda, cuda-sim) is one subclass; the
// primitives themselves are listed once, in kernels/primitives.h, and the consistency test
// walks every primitive of every compiled-in backend and compares it to `reference`.
//
// Shape conventions shared by all primitives:
//  - elementwise: every operand has the output's shape; broadcasting is expressed by the
//    caller as stride 0, so kernels never reason about it;
//  - reductions: `out` has the input's rank with size 1 on each reduced dim (keepdim form);
//  - layers (convolution, norms, activations, resampling, losses, optimizers): operands are
//    contiguous, NCHW; every output is overwritten, never accumulated into;
//  - an optional operand or a gradient that is not wanted is `absent` (null data);
//  - outputs may be strided views (e.g. a slice of a larger buffer) but never overlap inputs
//    unless the primitive says so.
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/dtype.h"
#include "kernels/math_mode.h"
#include "kernels/primitives.h"

namespace ganforge::kernels {

constexpr int kMaxDims = 8;

struct TensorDesc {
  void* data = nullptr;  // address of the first element (storage offset already applied)
  DType dtype = DType::F32;
  int ndim = 0;
  int64_t shape[kMaxDims] = {};
  int64_t strides[kMaxDims] = {};  // in elements; 0 means broadcast along that dim

  int64_t numel() const;
  bool is_contiguous() const;  // row-major with no gaps
  // False for `absent`. Allocators never return null, so a present tensor, even an empty one,
  // has data.
  bool present() const { return data != nullptr; }
};

inline constexpr TensorDesc absent{};

struct ScalarParams {
  double a = 0, b = 0;
};

struct ReduceParams {
  int64_t correction = 1;  // Var only: 1 = unbiased (Bessel), 0 = population
};

// One matrix of a batched GEMM: element (b, i, j) is at data + b*batch + i*row + j*col.
struct MatrixDesc {
  void* data = nullptr;
  int64_t batch_stride = 0, row_stride = 0, col_stride = 0;
};

// C[b] = alpha * A[b] (m x k) @ B[b] (k x n) + beta * C[b] (m x n), for b < batch.
// beta == 0 means C is written without being read (it may hold NaN).
struct GemmDesc {
  DType dtype = DType::F32;
  int64_t batch = 1, m = 0, n = 0, k = 0;
  MatrixDesc a, b, c;
  double alpha = 1, beta = 0;
};

// Counter-based randomness: element i of the output (row-major order) is a pure function
// of (seed, offset, i), so every backend produces the same numbers. See kernels/philox.h.
struct PhiloxState {
  uint64_t seed = 0;
  uint64_t offset = 0;  // first Philox counter used by this call
};

// Geometry of a 2-D convolution over NCHW tensors (groups = 1). Padding may differ per side.
// The output extent is the output descriptor's: a transposed convolution's output padding
// only makes dgrad's dx larger (core/ops/conv.cpp holds the size rules).
struct ConvParams {
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  int64_t dilation_h = 1, dilation_w = 1;
};

enum class Reduction : uint8_t { Mean, Sum };

struct AdamParams {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0;
  int64_t step = 1;  // 1 on the first update (bias correction uses it)
};
struct SgdParams {
  double lr = 1e-2, momentum = 0, dampening = 0, weight_decay = 0;
  bool nesterov = false;
  bool first_step = true;  // the momentum buffer starts as the first gradient
};
// One parameter of a multi-tensor optimizer step, with its gradient and state (as adam_step /
// sgd_step take them). Parameters of one step may differ in size and dtype.
struct AdamTensors {
  TensorDesc param, grad, exp_avg, exp_avg_sq;
};
struct SgdTensors {
  TensorDesc param, grad, momentum_buffer;
};

// Thrown by a primitive that a backend does not provide (the default body of every primitive).
// The consistency test fails for any backend that throws it.
struct UnsupportedPrimitive : std::runtime_error {
  UnsupportedPrimitive(const std::string& backend, const std::string& primitive)
      : std::runtime_error("backend '" + backend + "' does not provide the primitive " + primitive) {}
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual const char* name() const = 0;
  virtual DeviceType device_type() const = 0;
  // False when the backend is compiled in but cannot run here (e.g. cuda with no GPU).
  virtual bool available() const { return true; }
  // Throws std::invalid_argument, saying why, when the backend refuses a math mode
  // (kernels/math_mode.h) that its convolutions and GEMMs would otherwise be asked to follow.
  virtual void check_math(MathMode) const {}
  // False for a backend whose f32 convolutions and GEMMs compute in FP32 (or finer) in every
  // mode (reference, onednn); a run in another mode says so.
  virtual bool follows_math() const { return true; }

  // Memory. Host copies are blocking.
  virtual void* allocate(size_t bytes) = 0;  // never null, also for 0 bytes
  virtual void deallocate(void* ptr) = 0;
  virtual void copy_from_host(void* dst, const void* src, size_t bytes) = 0;
  virtual void copy_to_host(void* dst, const void* src, size_t bytes) = 0;
  virtual void synchronize() {}

#define GANFORGE_DECLARE_VIRTUAL(primitive, ops, parameters, arguments) virtual void primitive parameters;
  GANFORGE_PRIMITIVES(GANFORGE_DECLARE_VIRTUAL)
  GANFORGE_COMPOSED_PRIMITIVES(GANFORGE_DECLARE_VIRTUAL)
  GANFORGE_FUSED_PRIMITIVES(GANFORGE_DECLARE_VIRTUAL)
#undef GANFORGE_DECLARE_VIRTUAL
};

}  // namespace ganforge::kernels
