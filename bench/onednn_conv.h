// A small oneDNN (2.6, Debian's libdnnl-dev) harness: one convolution or transposed
// convolution pass on NCHW tensors, set up once and executed many times: the yardstick for
// the cpu backend's convolutions.
// Activations are plain NCHW (the layout GANForge tensors have), weights in whatever
// layout oneDNN prefers (reordered once, outside the timed loop).
#pragma once

#include <cstdint>
#include <memory>

#include "core/layer_ops.h"

namespace ganforge::bench {

// The convolution primitive a pass runs (kernels/primitives.h). A transposed layer is the
// adjoint of a convolution: its forward is Dgrad, its backward-data Fprop, its weights Wgrad.
enum class ConvPass { Fprop, Dgrad, Wgrad };

struct ConvShape {
  int64_t n, cin, h, w, cout, k, stride, pad;
  bool transposed;  // a ConvTranspose2d layer: cin -> cout upsampling
  int64_t out_h() const { return out(h); }
  int64_t out_w() const { return out(w); }
  int64_t out(int64_t in) const {
    return transposed ? conv_transpose2d_output_size(in, k, stride, pad, pad, 1, 0) : conv2d_output_size(in, k, stride, pad, pad, 1);
  }
  // multiply-adds x 2 of any one pass
  double flops() const {
    const double spatial = transposed ? static_cast<double>(h * w) : static_cast<double>(out_h() * out_w());
    return 2.0 * static_cast<double>(n * cin * cout * k * k) * spatial;
  }
};

class OnednnConv {
 public:
  OnednnConv(const ConvShape& shape, ConvPass pass);
  ~OnednnConv();
  void run();  // one execution, waited for

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace ganforge::bench
