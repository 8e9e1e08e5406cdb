// BatchNorm1d / BatchNorm2d and InstanceNorm2d.
#pragma once

#include <functional>
#include <optional>

#include "nn/module.h"

namespace ganforge::nn {

struct BatchNormOptions {
  double eps = 1e-5;
  // Weight of the newest batch in the running statistics; nullopt: a cumulative average
  // (momentum 1/num_batches_tracked), as PyTorch's momentum=None.
  std::optional<double> momentum = 0.1;
  bool affine = true;               // learnable weight (init 1) and bias (init 0)
  bool track_running_stats = true;  // running_mean, running_var, num_batches_tracked buffers
};

// Synchronised batch norm (as PyTorch's SyncBatchNorm): the statistics of the batch of every
// replica together. `sum` adds a tensor over the replicas, differentiably (its gradient is the
// sum of the replicas' gradients); each replica's batch holds the same number of samples.
struct CrossReplicaStats {
  std::function<Tensor(const Tensor&)> sum;
  int64_t replicas = 1;
};

// Training mode normalises with the batch statistics and updates the running ones; eval mode
// uses the running ones (or the batch's when track_running_stats is off).
class BatchNorm : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  // forward, then ReLU or LeakyReLU (negative_slope >= 0), fused in training into one primitive
  // each way (core's batch_norm_relu / batch_norm_leaky_relu); Sequential calls these for a
  // batch norm followed by such an activation.
  Tensor forward_relu(const Tensor& x);
  Tensor forward_leaky_relu(const Tensor& x, double negative_slope);
  std::string extra_repr() const override;

  const int64_t num_features;
  const BatchNormOptions options;
  Tensor weight, bias;                                      // [C] when affine
  Tensor running_mean, running_var, num_batches_tracked;  // when tracking (the last is i64, 0-d)
  // Set by dist/replicas.h's sync_batch_norm: training statistics over every replica's batch.
  std::optional<CrossReplicaStats> cross_replica;

 protected:
  BatchNorm(int64_t num_features, BatchNormOptions options, const TensorOptions& tensor_options);
  // Checks x, runs normalise(use_batch_stats, momentum) and counts the batch.
  template <class Normalise>
  Tensor forward_with(const Tensor& x, Normalise&& normalise);
  // Throws unless x has one of the shapes this layer accepts.
  virtual void check_input(const Tensor& x) const = 0;

 private:
  // Training with cross_replica: batch norm from the differentiable ops, around two sums over the
  // replicas (the mean, then the biased variance about it).
  Tensor normalise_across_replicas(const Tensor& x, double momentum);
};

// Over [N, C] or [N, C, L].
class BatchNorm1d : public BatchNorm {
 public:
  explicit BatchNorm1d(int64_t num_features, BatchNormOptions options = {}, const TensorOptions& tensor_options = {})
      : BatchNorm(num_features, options, tensor_options) {}
  std::string type_name() const override { return "BatchNorm1d"; }

 protected:
  void check_input(const Tensor& x) const override;
};

// Over [N, C, H, W].
class BatchNorm2d : public BatchNorm {
 public:
  explicit BatchNorm2d(int64_t num_features, BatchNormOptions options = {}, const TensorOptions& tensor_options = {})
      : BatchNorm(num_features, options, tensor_options) {}
  std::string type_name() const override { return "BatchNorm2d"; }

 protected:
  void check_input(const Tensor& x) const override;
};

struct InstanceNormOptions {
  double eps = 1e-5;
  bool affine = false;  // PyTorch's default, and CycleGAN's
};

// Each sample's each channel normalised over H·W. No running statistics (GANForge keeps
// instance norm stateless, as every model here uses it: train and eval behave the same).
class InstanceNorm2d : public Module {
 public:
  explicit InstanceNorm2d(int64_t num_features, InstanceNormOptions options = {}, const TensorOptions& tensor_options = {});
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "InstanceNorm2d"; }
  std::string extra_repr() const override;

  const int64_t num_features;
  const InstanceNormOptions options;
  Tensor weight, bias;
};

}  // namespace ganforge::nn
