// Checks every model test shares: that train()/eval() reach a model's batch norms and
// dropouts, and small tensor comparisons.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "core/ganforge.h"
#include "nn/nn.h"

namespace ganforge::testing {

inline double max_abs_difference(const Tensor& a, const Tensor& b) {
  return amax(abs(a.to(DType::F64) - b.to(DType::F64))).item<double>();
}

inline bool in_unit_range(const Tensor& t) {
  return amax(t).item<double>() <= 1.0 && amin(t).item<double>() >= -1.0;
}

// The model's batch-norm layers, in module order.
inline std::vector<nn::BatchNorm*> batch_norms(nn::Module& model) {
  std::vector<nn::BatchNorm*> out;
  for (auto& [name, m] : model.named_modules())
    if (auto* bn = dynamic_cast<nn::BatchNorm*>(m.get())) out.push_back(bn);
  return out;
}

// Every batch norm has the settings the architecture asks for: this eps, momentum 0.1,
// affine, with running statistics.
inline void expect_batch_norm_options(nn::Module& model, double eps) {
  for (nn::BatchNorm* bn : batch_norms(model)) {
    EXPECT_EQ(bn->options.eps, eps);
    EXPECT_EQ(bn->options.momentum.value_or(-1), 0.1);
    EXPECT_TRUE(bn->options.affine && bn->options.track_running_stats);
  }
}

// `run` calls the model once. In training mode each of the model's `expected` batch norms
// counts the batch and moves its running mean; after eval() none does.
inline void expect_batch_norms_follow_mode(nn::Module& model, size_t expected, const std::function<void()>& run) {
  const std::vector<nn::BatchNorm*> norms = batch_norms(model);
  ASSERT_EQ(norms.size(), expected);
  auto snapshot = [&] {
    std::vector<std::pair<int64_t, Tensor>> s;
    for (nn::BatchNorm* bn : norms) s.emplace_back(bn->num_batches_tracked.item<int64_t>(), bn->running_mean.clone());
    return s;
  };
  model.train();
  auto before = snapshot();
  run();
  for (size_t i = 0; i < norms.size(); ++i) {
    EXPECT_EQ(norms[i]->num_batches_tracked.item<int64_t>(), before[i].first + 1) << "batch norm " << i;
    EXPECT_GT(max_abs_difference(norms[i]->running_mean, before[i].second), 0) << "batch norm " << i;
  }
  model.eval();
  before = snapshot();
  run();
  for (size_t i = 0; i < norms.size(); ++i) {
    EXPECT_EQ(norms[i]->num_batches_tracked.item<int64_t>(), before[i].first) << "batch norm " << i;
    EXPECT_EQ(max_abs_difference(norms[i]->running_mean, before[i].second), 0) << "batch norm " << i;
  }
  model.train();
}

// `run` returns the model's output on a fixed input: in training mode dropout makes two
// calls differ; in eval mode they agree exactly.
inline void expect_dropout_follows_mode(nn::Module& model, const std::function<Tensor()>& run) {
  model.train();
  EXPECT_GT(max_abs_difference(run(), run()), 0);
  model.eval();
  EXPECT_EQ(max_abs_difference(run(), run()), 0);
  model.train();
}

// Whether the model's state dict has this key (a parameter or buffer's dotted name).
inline bool has_key(const nn::Module& model, const std::string& key) { return model.state_dict().count(key) == 1; }

}  // namespace ganforge::testing
