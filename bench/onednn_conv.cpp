#include "bench/onednn_conv.h"

#include <dnnl.hpp>
#include <unordered_map>

namespace ganforge::bench {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

struct OnednnConv::State {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  dnnl::primitive primitive;
  std::unordered_map<int, memory> args;
};

namespace {

memory filled(const memory::desc& md, const dnnl::engine& engine) {
  memory m(md, engine);
  float* data = static_cast<float*>(m.get_data_handle());
  for (size_t i = 0; i < md.get_size() / sizeof(float); ++i) data[i] = static_cast<float>((i * 2654435761u % 1000) / 1000.0 - 0.5);
  return m;
}

}  // namespace

OnednnConv::OnednnConv(const ConvShape& s, ConvPass pass) : state_(std::make_unique<State>()) {
  State& st = *state_;
  // In oneDNN terms a transposed convolution is a "deconvolution" with weights [Cout, Cin, k, k]
  // logically (oi order); both share these descriptors.
  const memory::dims src{s.n, s.cin, s.h, s.w}, dst{s.n, s.cout, s.out_h(), s.out_w()};
  const memory::dims weights{s.cout, s.cin, s.k, s.k};
  const memory::dims strides{s.stride, s.stride}, dilation{0, 0}, padding{s.pad, s.pad};
  const memory::desc src_md(src, dt::f32, tag::nchw), dst_md(dst, dt::f32, tag::nchw);
  const memory::desc any_weights(weights, dt::f32, tag::any);
  const auto forward_kind = dnnl::prop_kind::forward_training;

  if (!s.transposed) {
    dnnl::convolution_forward::desc fwd(forward_kind, dnnl::algorithm::convolution_direct, src_md, any_weights, dst_md,
                                        strides, dilation, padding, padding);
    dnnl::convolution_forward::primitive_desc fwd_pd(fwd, st.engine);
    if (pass == ConvPass::Fprop) {
      st.primitive = dnnl::convolution_forward(fwd_pd);
      st.args = {{DNNL_ARG_SRC, filled(src_md, st.engine)}, {DNNL_ARG_WEIGHTS, filled(fwd_pd.weights_desc(), st.engine)},
                 {DNNL_ARG_DST, memory(dst_md, st.engine)}};
    } else if (pass == ConvPass::Dgrad) {
      dnnl::convolution_backward_data::desc bwd(dnnl::algorithm::convolution_direct, src_md, any_weights, dst_md, strides,
                                                dilation, padding, padding);
      dnnl::convolution_backward_data::primitive_desc pd(bwd, st.engine, fwd_pd);
      st.primitive = dnnl::convolution_backward_data(pd);
      st.args = {{DNNL_ARG_DIFF_DST, filled(dst_md, st.engine)}, {DNNL_ARG_WEIGHTS, filled(pd.weights_desc(), st.engine)},
                 {DNNL_ARG_DIFF_SRC, memory(src_md, st.engine)}};
    } else {
      dnnl::convolution_backward_weights::desc bwd(dnnl::algorithm::convolution_direct, src_md, any_weights, dst_md,
                                                   strides, dilation, padding, padding);
      dnnl::convolution_backward_weights::primitive_desc pd(bwd, st.engine, fwd_pd);
      st.primitive = dnnl::convolution_backward_weights(pd);
      st.args = {{DNNL_ARG_SRC, filled(src_md, st.engine)}, {DNNL_ARG_DIFF_DST, filled(dst_md, st.engine)},
                 {DNNL_ARG_DIFF_WEIGHTS, memory(pd.diff_weights_desc(), st.engine)}};
    }
  } else {
    dnnl::deconvolution_forward::desc fwd(forward_kind, dnnl::algorithm::deconvolution_direct, src_md, any_weights,
                                          dst_md, strides, dilation, padding, padding);
    dnnl::deconvolution_forward::primitive_desc fwd_pd(fwd, st.engine);
    if (pass == ConvPass::Dgrad) {
      st.primitive = dnnl::deconvolution_forward(fwd_pd);
      st.args = {{DNNL_ARG_SRC, filled(src_md, st.engine)}, {DNNL_ARG_WEIGHTS, filled(fwd_pd.weights_desc(), st.engine)},
                 {DNNL_ARG_DST, memory(dst_md, st.engine)}};
    } else if (pass == ConvPass::Fprop) {
      dnnl::deconvolution_backward_data::desc bwd(dnnl::algorithm::deconvolution_direct, src_md, any_weights, dst_md,
                                                  strides, dilation, padding, padding);
      dnnl::deconvolution_backward_data::primitive_desc pd(bwd, st.engine, fwd_pd);
      st.primitive = dnnl::deconvolution_backward_data(pd);
      st.args = {{DNNL_ARG_DIFF_DST, filled(dst_md, st.engine)}, {DNNL_ARG_WEIGHTS, filled(pd.weights_desc(), st.engine)},
                 {DNNL_ARG_DIFF_SRC, memory(src_md, st.engine)}};
    } else {
      dnnl::deconvolution_backward_weights::desc bwd(dnnl::algorithm::deconvolution_direct, src_md, any_weights, dst_md,
                                                     strides, dilation, padding, padding);
      dnnl::deconvolution_backward_weights::primitive_desc pd(bwd, st.engine, fwd_pd);
      st.primitive = dnnl::deconvolution_backward_weights(pd);
      st.args = {{DNNL_ARG_SRC, filled(src_md, st.engine)}, {DNNL_ARG_DIFF_DST, filled(dst_md, st.engine)},
                 {DNNL_ARG_DIFF_WEIGHTS, memory(pd.diff_weights_desc(), st.engine)}};
    }
  }
}

OnednnConv::~OnednnConv() = default;

void OnednnConv::run() {
  state_->primitive.execute(state_->stream, state_->args);
  state_->stream.wait();
}

}  // namespace ganforge::bench
