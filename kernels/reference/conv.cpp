// Reference convolutions, straight from the definitions, in double.
//
// The three primitives of a convolution with input channels Ci, output channels Co and weight
// W[co][ci][i][j]:
//   fprop: y[n][co][oh][ow] = Σ_{ci,i,j} x[n][ci][oh·s - pad + i·d][ow·s - pad + j·d] · W[co][ci][i][j]
//   dgrad: the adjoint of fprop, dx from dy (a gather over the (oh, i) pairs with
//          oh·s - pad + i·d = ih)
//   wgrad: dW[co][ci][i][j] = Σ_{n,oh,ow} dy[n][co][oh][ow] · x[n][ci][ih][iw]
// A transposed convolution is dgrad of the convolution that shares its weight (see
// core/ops/conv.cpp).
#include "kernels/reference/element_access.h"
#include "kernels/reference/reference_backend.h"

namespace ganforge::kernels {
namespace {

using namespace reference;  // element_access.h

double at(const TensorDesc& t, int64_t a, int64_t b, int64_t c, int64_t d) {
  const int64_t index[kMaxDims] = {a, b, c, d};
  return load(t, index);
}

void put(const TensorDesc& t, int64_t a, int64_t b, int64_t c, int64_t d, double v) {
  const int64_t index[kMaxDims] = {a, b, c, d};
  store(t, index, v);
}

double bias_of(const TensorDesc& bias, int64_t channel) {
  if (!bias.present()) return 0;
  const int64_t index[kMaxDims] = {channel};
  return load(bias, index);
}

// out = fprop(in, W) + bias; in [N, Ci, H, W], out [N, Co, Ho, Wo].
void fprop(const ConvParams& p, const TensorDesc& in, const TensorDesc& w, const TensorDesc& bias,
           const TensorDesc& out) {
  for (int64_t n = 0; n < out.shape[0]; ++n)
    for (int64_t co = 0; co < out.shape[1]; ++co)
      for (int64_t oh = 0; oh < out.shape[2]; ++oh)
        for (int64_t ow = 0; ow < out.shape[3]; ++ow) {
          double sum = bias_of(bias, co);
          for (int64_t ci = 0; ci < in.shape[1]; ++ci)
            for (int64_t i = 0; i < w.shape[2]; ++i)
              for (int64_t j = 0; j < w.shape[3]; ++j) {
                int64_t ih = oh * p.stride_h - p.pad_top + i * p.dilation_h;
                int64_t iw = ow * p.stride_w - p.pad_left + j * p.dilation_w;
                if (ih >= 0 && ih < in.shape[2] && iw >= 0 && iw < in.shape[3])
                  sum += at(in, n, ci, ih, iw) * at(w, co, ci, i, j);
              }
          put(out, n, co, oh, ow, sum);
        }
}

// in_grad = dgrad(out_grad, W) + bias; in_grad [N, Ci, H, W], out_grad [N, Co, Ho, Wo].
void dgrad(const ConvParams& p, const TensorDesc& out_grad, const TensorDesc& w, const TensorDesc& bias,
           const TensorDesc& in_grad) {
  for (int64_t n = 0; n < in_grad.shape[0]; ++n)
    for (int64_t ci = 0; ci < in_grad.shape[1]; ++ci)
      for (int64_t ih = 0; ih < in_grad.shape[2]; ++ih)
        for (int64_t iw = 0; iw < in_grad.shape[3]; ++iw) {
          double sum = bias_of(bias, ci);
          for (int64_t co = 0; co < out_grad.shape[1]; ++co)
            for (int64_t i = 0; i < w.shape[2]; ++i)
              for (int64_t j = 0; j < w.shape[3]; ++j) {
                // the output position whose window puts tap (i, j) on (ih, iw), if any
                int64_t h = ih + p.pad_top - i * p.dilation_h, v = iw + p.pad_left - j * p.dilation_w;
                if (h < 0 || v < 0 || h % p.stride_h != 0 || v % p.stride_w != 0) continue;
                int64_t oh = h / p.stride_h, ow = v / p.stride_w;
                if (oh < out_grad.shape[2] && ow < out_grad.shape[3])
                  sum += at(out_grad, n, co, oh, ow) * at(w, co, ci, i, j);
              }
          put(in_grad, n, ci, ih, iw, sum);
        }
}

// w_grad = wgrad(in, out_grad)
void wgrad(const ConvParams& p, const TensorDesc& in, const TensorDesc& out_grad, const TensorDesc& w_grad) {
  for (int64_t co = 0; co < w_grad.shape[0]; ++co)
    for (int64_t ci = 0; ci < w_grad.shape[1]; ++ci)
      for (int64_t i = 0; i < w_grad.shape[2]; ++i)
        for (int64_t j = 0; j < w_grad.shape[3]; ++j) {
          double sum = 0;
          for (int64_t n = 0; n < in.shape[0]; ++n)
            for (int64_t oh = 0; oh < out_grad.shape[2]; ++oh)
              for (int64_t ow = 0; ow < out_grad.shape[3]; ++ow) {
                int64_t ih = oh * p.stride_h - p.pad_top + i * p.dilation_h;
                int64_t iw = ow * p.stride_w - p.pad_left + j * p.dilation_w;
                if (ih >= 0 && ih < in.shape[2] && iw >= 0 && iw < in.shape[3])
                  sum += at(out_grad, n, co, oh, ow) * at(in, n, ci, ih, iw);
              }
          put(w_grad, co, ci, i, j, sum);
        }
}

// The bias gradient: dy summed over N, H, W (when wanted).
void bias_gradient(const TensorDesc& dy, const TensorDesc& dbias) {
  if (!dbias.present()) return;
  for (int64_t c = 0; c < dy.shape[1]; ++c) {
    double sum = 0;
    for (int64_t n = 0; n < dy.shape[0]; ++n)
      for (int64_t h = 0; h < dy.shape[2]; ++h)
        for (int64_t v = 0; v < dy.shape[3]; ++v) sum += at(dy, n, c, h, v);
    const int64_t index[kMaxDims] = {c};
    store(dbias, index, sum);
  }
}

}  // namespace

void ReferenceBackend::conv2d_fprop(const ConvParams& p, const TensorDesc& x, const TensorDesc& w, const TensorDesc& bias,
                                    const TensorDesc& y) {
  fprop(p, x, w, bias, y);
}
void ReferenceBackend::conv2d_dgrad(const ConvParams& p, const TensorDesc& dy, const TensorDesc& w, const TensorDesc& bias,
                                    const TensorDesc& dx) {
  dgrad(p, dy, w, bias, dx);
}
void ReferenceBackend::conv2d_wgrad(const ConvParams& p, const TensorDesc& x, const TensorDesc& dy, const TensorDesc& dw,
                                    const TensorDesc& dbias) {
  wgrad(p, x, dy, dw);
  bias_gradient(dy, dbias);
}

}  // namespace ganforge::kernels
