#include "bench/onednn_batch_norm.h"

#include <dnnl.hpp>
#include <unordered_map>

namespace ganforge::bench {

using dnnl::memory;

struct OnednnBatchNorm::State {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  dnnl::primitive primitive;
  std::unordered_map<int, memory> args;
};

namespace {

memory filled(const memory::desc& md, const dnnl::engine& engine, float value) {
  memory m(md, engine);
  float* data = static_cast<float*>(m.get_data_handle());
  for (size_t i = 0; i < md.get_size() / sizeof(float); ++i) data[i] = value + static_cast<float>(i % 7) * 0.1f;
  return m;
}

}  // namespace

OnednnBatchNorm::OnednnBatchNorm(int64_t n, int64_t c, int64_t h, int64_t w, bool backward)
    : state_(std::make_unique<State>()) {
  State& st = *state_;
  const memory::desc data({n, c, h, w}, memory::data_type::f32, memory::format_tag::nchw);
  const auto flags = dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;
  dnnl::batch_normalization_forward::desc forward(dnnl::prop_kind::forward_training, data, 1e-5f, flags);
  dnnl::batch_normalization_forward::primitive_desc forward_pd(forward, st.engine);
  memory src = filled(data, st.engine, 0.5f), dst(data, st.engine);
  memory mean(forward_pd.mean_desc(), st.engine), variance(forward_pd.variance_desc(), st.engine);
  const memory::desc channels({c}, memory::data_type::f32, memory::format_tag::x);
  memory scale = filled(channels, st.engine, 1.0f), shift = filled(channels, st.engine, 0.0f);
  std::unordered_map<int, memory> forward_args = {{DNNL_ARG_SRC, src},     {DNNL_ARG_DST, dst},
                                                  {DNNL_ARG_MEAN, mean},   {DNNL_ARG_VARIANCE, variance},
                                                  {DNNL_ARG_SCALE, scale}, {DNNL_ARG_SHIFT, shift}};
  if (forward_pd.workspace_desc().get_size() > 0)
    forward_args[DNNL_ARG_WORKSPACE] = memory(forward_pd.workspace_desc(), st.engine);
  if (!backward) {
    st.primitive = dnnl::batch_normalization_forward(forward_pd);
    st.args = forward_args;
    return;
  }
  // the statistics the backward needs come from one forward pass
  dnnl::batch_normalization_forward(forward_pd).execute(st.stream, forward_args);
  st.stream.wait();
  dnnl::batch_normalization_backward::desc bwd(dnnl::prop_kind::backward, data, data, 1e-5f, flags);
  dnnl::batch_normalization_backward::primitive_desc bwd_pd(bwd, st.engine, forward_pd);
  st.primitive = dnnl::batch_normalization_backward(bwd_pd);
  st.args = {{DNNL_ARG_SRC, src},
             {DNNL_ARG_MEAN, mean},
             {DNNL_ARG_VARIANCE, variance},
             {DNNL_ARG_DIFF_DST, filled(data, st.engine, 0.1f)},
             {DNNL_ARG_SCALE, scale},
             {DNNL_ARG_SHIFT, shift},
             {DNNL_ARG_DIFF_SRC, memory(data, st.engine)},
             {DNNL_ARG_DIFF_SCALE, memory(channels, st.engine)},
             {DNNL_ARG_DIFF_SHIFT, memory(channels, st.engine)}};
  if (forward_pd.workspace_desc().get_size() > 0) st.args[DNNL_ARG_WORKSPACE] = forward_args[DNNL_ARG_WORKSPACE];
}

OnednnBatchNorm::~OnednnBatchNorm() = default;

void OnednnBatchNorm::run() {
  state_->primitive.execute(state_->stream, state_->args);
  state_->stream.wait();
}

}  // namespace ganforge::bench
