// Conv2d and ConvTranspose2d over NCHW (groups = 1), with PyTorch's weight layouts
// ([out, in, kh, kw] and [in, out, kh, kw]) and default initialisation.
#pragma once

#include "nn/module.h"

namespace ganforge::nn {

// A per-dimension size: `4` means 4x4, `{3, 5}` means 3 high and 5 wide.
struct Pair {
  Pair(int64_t both) : h(both), w(both) {}  // NOLINT: implicit, so `.stride = 2` reads naturally
  Pair(int64_t h_, int64_t w_) : h(h_), w(w_) {}
  int64_t h, w;
};

struct Conv2dOptions {
  Pair stride = 1, padding = 0, dilation = 1;
  bool bias = true;
};

class Conv2d : public Module {
 public:
  // e.g. Conv2d(3, 64, 4, {.stride = 2, .padding = 1, .bias = false})
  Conv2d(int64_t in_channels, int64_t out_channels, Pair kernel_size, Conv2dOptions options = {},
         const TensorOptions& tensor_options = {});
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Conv2d"; }
  std::string extra_repr() const override;

  const int64_t in_channels, out_channels;
  const Pair kernel_size;
  const Conv2dOptions options;
  Tensor weight, bias;
};

struct ConvTranspose2dOptions {
  Pair stride = 1, padding = 0, output_padding = 0, dilation = 1;
  bool bias = true;
};

// PyTorch's ConvTranspose2d; the output size is conv_transpose2d_output_size's (core/layer_ops.h).
class ConvTranspose2d : public Module {
 public:
  ConvTranspose2d(int64_t in_channels, int64_t out_channels, Pair kernel_size, ConvTranspose2dOptions options = {},
                  const TensorOptions& tensor_options = {});
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "ConvTranspose2d"; }
  std::string extra_repr() const override;

  const int64_t in_channels, out_channels;
  const Pair kernel_size;
  const ConvTranspose2dOptions options;
  Tensor weight, bias;
};

}  // namespace ganforge::nn
