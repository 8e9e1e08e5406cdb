// How the layer primitives view their contiguous operands, shared by the cpu and cuda backends:
// batch norm reads x as [N, C, S], softmax as [outer, size, inner] around its dim.
#pragma once

#include <cstdint>

#include "kernels/backend.h"
#include "kernels/common/host_device.h"

namespace ganforge::kernels {

// x [N, C, ...] as N runs of S = Π(remaining dims) values per channel (S = 1 for [N, C]).
struct ChannelLayout {
  int64_t n = 1, c = 1, s = 1;
  ChannelLayout() = default;
  explicit ChannelLayout(const TensorDesc& x) : n(x.shape[0]), c(x.ndim > 1 ? x.shape[1] : 1) {
    for (int d = 2; d < x.ndim; ++d) s *= x.shape[d];
  }
  GANFORGE_HOST_DEVICE int64_t count() const { return n * s; }  // values per channel
  GANFORGE_HOST_DEVICE int64_t run(int64_t i, int64_t channel) const { return (i * c + channel) * s; }  // start of run (i, channel)
};

// A tensor as [outer, size, inner] around `dim`: slice (o, i) holds `size` values `inner` apart.
struct AroundDim {
  int64_t outer = 1, size = 1, inner = 1;
  AroundDim() = default;
  AroundDim(const TensorDesc& t, int dim) {
    for (int d = 0; d < t.ndim; ++d) (d < dim ? outer : (d == dim ? size : inner)) *= t.shape[d];
  }
};

}  // namespace ganforge::kernels
