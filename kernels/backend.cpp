#include "kernels/backend.h"

namespace ganforge::kernels {

int64_t TensorDesc::numel() const {
  int64_t n = 1;
  for (int d = 0; d < ndim; ++d) n *= shape[d];
  return n;
}

bool TensorDesc::is_contiguous() const {
  int64_t expected = 1;
  for (int d = ndim - 1; d >= 0; --d) {
    if (shape[d] != 1 && strides[d] != expected) return false;
    expected *= shape[d];
  }
  return true;
}

// The default body of every primitive: the backend lacks it. The parameters are named in the
// list, and unused here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#define GANFORGE_UNSUPPORTED_BODY(primitive, ops, parameters, arguments) \
  void Backend::primitive parameters { throw UnsupportedPrimitive(name(), #primitive); }
GANFORGE_PRIMITIVES(GANFORGE_UNSUPPORTED_BODY)
#undef GANFORGE_UNSUPPORTED_BODY
#pragma GCC diagnostic pop

void Backend::adam_step_multi(const AdamParams& p, std::span<const AdamTensors> tensors) {
  for (const AdamTensors& t : tensors) adam_step(p, t.param, t.grad, t.exp_avg, t.exp_avg_sq);
}

void Backend::sgd_step_multi(const SgdParams& p, std::span<const SgdTensors> tensors) {
  for (const SgdTensors& t : tensors) sgd_step(p, t.param, t.grad, t.momentum_buffer);
}

}  // namespace ganforge::kernels
