// Reference convolutions, straight from the definitions, in double.
//
// All six primitives are three loops over one "underlying" convolution with input channels
// Ci, output channels Co and weight W[co][ci][i][j]:
//   direct:     out[n][co][oh][ow] = Σ_{ci,i,j} in[n][ci][oh·s - pad + i·d][ow·s - pad + j·d] · W[co][ci][i][j]
//   transposed: the adjoint of direct: in-gradient from out-gradient (a gather over the
//               (oh, i) pairs with oh·s - pad + i·d = ih)
//   filter:     dW[co][ci][i][j] = Σ_{n,oh,ow} out_grad[n][co][oh][ow] · in[n][ci][ih][iw]
// conv2d uses them as forward / backward-data / backward-filter. ConvTranspose2d's weight
// [Cin, Cout, kh, kw] is exactly the weight of the convolution whose backward-data it is,
// so it uses transposed / direct / filter with its input and output swapped.
#include "kernels/reference/element_access.h"
#include "kernels/reference/reference_backend.h"

namespace ganforge::kernels {
namespace {

using reference::load;
using reference::store;

double at(const TensorDesc& t, int64_t a, int64_t b, int64_t c, int64_t d) {
  const int64_t index[kMaxDims] = {a, b, c, d};
  return load(t, index);
}

void put(const TensorDesc& t, int64_t a, int64_t b, int64_t c, int64_t d, double v) {
  const int64_t index[kMaxDims] = {a, b, c, d};
  store(t, index, v);
}

double bias_of(const TensorDesc& bias, int64_t channel) {
  if (bias.data == nullptr) return 0;
  const int64_t index[kMaxDims] = {channel};
  return load(bias, index);
}

// out = direct(in, W) + bias; in [N, Ci, H, W], out [N, Co, Ho, Wo].
void direct(const ConvParams& p, const TensorDesc& in, const TensorDesc& w, const TensorDesc& bias,
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

// in_grad = transposed(out_grad, W) + bias; in_grad [N, Ci, H, W], out_grad [N, Co, Ho, Wo].
void transposed(const ConvParams& p, const TensorDesc& out_grad, const TensorDesc& w, const TensorDesc& bias,
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

// w_grad = filter(in, out_grad)
void filter(const ConvParams& p, const TensorDesc& in, const TensorDesc& out_grad, const TensorDesc& w_grad) {
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

// The bias gradient of either convolution: dy summed over N, H, W (when wanted).
void bias_gradient(const TensorDesc& dy, const TensorDesc& dbias) {
  if (dbias.data == nullptr) return;
  for (int64_t c = 0; c < dy.shape[1]; ++c) {
    double sum = 0;
    for (int64_t n = 0; n < dy.shape[0]; ++n)
      for (int64_t h = 0; h < dy.shape[2]; ++h)
        for (int64_t v = 0; v < dy.shape[3]; ++v) sum += at(dy, n, c, h, v);
    const int64_t index[kMaxDims] = {c};
    store(dbias, index, sum);
  }
}

TensorDesc no_bias() { return TensorDesc{}; }

}  // namespace

void ReferenceBackend::conv2d_forward(const ConvParams& p, const TensorDesc& x, const TensorDesc& w,
                                      const TensorDesc& bias, const TensorDesc& y) {
  direct(p, x, w, bias, y);
}
void ReferenceBackend::conv2d_backward_data(const ConvParams& p, const TensorDesc& dy, const TensorDesc& w,
                                            const TensorDesc& dx) {
  transposed(p, dy, w, no_bias(), dx);
}
void ReferenceBackend::conv2d_backward_filter(const ConvParams& p, const TensorDesc& x, const TensorDesc& dy,
                                              const TensorDesc& dw, const TensorDesc& dbias) {
  filter(p, x, dy, dw);
  bias_gradient(dy, dbias);
}
void ReferenceBackend::conv_transpose2d_forward(const ConvParams& p, const TensorDesc& x, const TensorDesc& w,
                                                const TensorDesc& bias, const TensorDesc& y) {
  transposed(p, x, w, bias, y);
}
void ReferenceBackend::conv_transpose2d_backward_data(const ConvParams& p, const TensorDesc& dy, const TensorDesc& w,
                                                      const TensorDesc& dx) {
  direct(p, dy, w, no_bias(), dx);
}
void ReferenceBackend::conv_transpose2d_backward_filter(const ConvParams& p, const TensorDesc& x,
                                                        const TensorDesc& dy, const TensorDesc& dw,
                                                        const TensorDesc& dbias) {
  filter(p, dy, x, dw);
  bias_gradient(dy, dbias);
}

}  // namespace ganforge::kernels
