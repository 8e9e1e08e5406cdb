// Reference nearest upsampling and 2-D padding of contiguous [N, C, H, W] tensors: every
// output element says which input element it comes from; the backward adds each output
// gradient into that element.
#include <cstdint>
#include <vector>

#include "kernels/reference/element_access.h"
#include "kernels/reference/reference_backend.h"

namespace ganforge::kernels {
namespace {

using namespace reference;  // element_access.h

int64_t planes(const TensorDesc& t) { return t.shape[0] * t.shape[1]; }

// The input row (or column) that padded position p reads, or -1 for a zero.
// Reflection mirrors about the edge without repeating it: -1 -> 1, size -> size - 2.
int64_t source(PadMode mode, int64_t p, int64_t before, int64_t size) {
  int64_t i = p - before;
  if (i >= 0 && i < size) return i;
  if (mode == PadMode::Zero) return -1;
  return i < 0 ? -i : 2 * (size - 1) - i;
}

}  // namespace

void ReferenceBackend::upsample_nearest2d_forward(const TensorDesc& y, const TensorDesc& x) {
  const int64_t h = x.shape[2], w = x.shape[3], oh = y.shape[2], ow = y.shape[3];
  for (int64_t p = 0; p < planes(x); ++p)
    for (int64_t i = 0; i < oh; ++i)
      for (int64_t j = 0; j < ow; ++j) put(y, (p * oh + i) * ow + j, get(x, (p * h + i * h / oh) * w + j * w / ow));
}

// dx[i, j] = Σ of dy over the (oh/h)×(ow/w) block that copied x[i, j]
void ReferenceBackend::upsample_nearest2d_backward(const TensorDesc& dx, const TensorDesc& dy) {
  const int64_t h = dx.shape[2], w = dx.shape[3], oh = dy.shape[2], ow = dy.shape[3];
  const int64_t sh = oh / h, sw = ow / w;
  for (int64_t p = 0; p < planes(dx); ++p)
    for (int64_t i = 0; i < h; ++i)
      for (int64_t j = 0; j < w; ++j) {
        double sum = 0;
        for (int64_t a = 0; a < sh; ++a)
          for (int64_t b = 0; b < sw; ++b) sum += get(dy, (p * oh + i * sh + a) * ow + j * sw + b);
        put(dx, (p * h + i) * w + j, sum);
      }
}

void ReferenceBackend::pad2d_forward(PadMode mode, const TensorDesc& y, const TensorDesc& x, const int64_t pads[4]) {
  const int64_t h = x.shape[2], w = x.shape[3], oh = y.shape[2], ow = y.shape[3];
  for (int64_t p = 0; p < planes(x); ++p)
    for (int64_t i = 0; i < oh; ++i)
      for (int64_t j = 0; j < ow; ++j) {
        const int64_t si = source(mode, i, pads[0], h), sj = source(mode, j, pads[2], w);
        put(y, (p * oh + i) * ow + j, si < 0 || sj < 0 ? 0.0 : get(x, (p * h + si) * w + sj));
      }
}

void ReferenceBackend::pad2d_backward(PadMode mode, const TensorDesc& dx, const TensorDesc& dy, const int64_t pads[4]) {
  const int64_t h = dx.shape[2], w = dx.shape[3], oh = dy.shape[2], ow = dy.shape[3];
  for (int64_t p = 0; p < planes(dx); ++p) {
    std::vector<double> sums(static_cast<size_t>(h * w), 0.0);
    for (int64_t i = 0; i < oh; ++i)
      for (int64_t j = 0; j < ow; ++j) {
        const int64_t si = source(mode, i, pads[0], h), sj = source(mode, j, pads[2], w);
        if (si >= 0 && sj >= 0) sums[si * w + sj] += get(dy, (p * oh + i) * ow + j);
      }
    for (int64_t k = 0; k < h * w; ++k) put(dx, p * h * w + k, sums[k]);
  }
}

}  // namespace ganforge::kernels
