// Data-parallel gradient averaging (as PyTorch's DistributedDataParallel and Horovod's
// DistributedOptimizer do it): after each backward pass, every rank's optimizer sees the mean of
// the ranks' gradients, so replicas that start equal stay equal.
//
// The parameters are cut into buckets of about `bucket_bytes`, in reverse order (the order in
// which a backward pass finishes their gradients). A hook on each parameter marks it ready when
// its gradient is complete; once a bucket's parameters are all ready, its gradients are packed
// into one flat tensor, scaled by 1/world, and their sum over the ranks starts while the backward
// pass goes on (each later hook lets the started sums advance). The optimizer's step waits for every bucket and unpacks
// the means into the gradients. A parameter that gets no gradient on a step is left without one on every rank (every
// rank runs the same graph); one whose gradient grows again after its bucket started (a second
// backward before the step) has its bucket reduced again before the step.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "dist/process_group.h"
#include "nn/optim.h"

namespace ganforge::dist {

// What the reductions cost so far.
struct ReduceTotals {
  int64_t bytes = 0;   // gradient bytes summed (each rank's share)
  double seconds = 0;  // host time spent starting and waiting for the sums
};

class GradientAverager {
 public:
  static constexpr int64_t kDefaultBucketBytes = int64_t{4} << 20;

  // Averages the gradients of `optimizer`'s parameters over `group` before each of its steps.
  // The averager lives as long as the optimizer's hooks (the returned pointer is shared with them).
  static std::shared_ptr<GradientAverager> attach(ProcessGroup& group, nn::Optimizer& optimizer,
                                                  int64_t bucket_bytes = kDefaultBucketBytes);

  // Waits for every bucket and writes the means into the gradients (the optimizer's pre-hook).
  void finish();
  const ReduceTotals& totals() const { return totals_; }
  int64_t buckets() const { return static_cast<int64_t>(buckets_.size()); }

 private:
  struct Bucket {
    std::vector<Tensor> params;
    std::vector<bool> complete;  // per parameter: its gradient is complete in this round
    int64_t ready = 0;           // how many are
    bool started = false, stale = false;
    std::vector<Tensor> packed;  // the parameters whose gradients the sum holds, in order
    Tensor flat;
    std::unique_ptr<PendingSum> pending;
  };

  GradientAverager(ProcessGroup& group, std::vector<Tensor> params, int64_t bucket_bytes);
  void on_gradient(size_t bucket, size_t position);
  void start(Bucket& bucket);

  ProcessGroup& group_;
  std::vector<Bucket> buckets_;
  ReduceTotals totals_;
};

}  // namespace ganforge::dist
