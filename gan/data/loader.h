// DataLoader: seeded shuffling, batching into tensors, and background prefetch on worker
// threads through a bounded queue. An epoch's batches are a function of (seed, epoch)
// alone: the order comes from one seeded shuffle and every example's random choices from
// its own Philox stream, so any number of workers gives the same batches.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "core/tensor.h"
#include "gan/data/dataset.h"

namespace ganforge::data {

struct LoaderOptions {
  int64_t batch_size = 64;
  bool shuffle = true;
  bool drop_last = false;  // drop a last batch smaller than batch_size
  uint64_t seed = 0;
  int workers = 0;         // 0: batches are made in the calling thread, on demand
  int queue_size = 4;      // batches made ahead of the consumer, at most (>= 1)
  // Data-parallel training (as PyTorch's DistributedSampler): each global batch is `world`
  // batches of batch_size in a row of the epoch's order, and this loader gives the rank-th.
  // Every rank shuffles alike from the seed, so the ranks' batches are disjoint. Needs drop_last.
  int rank = 0, world = 1;
};

struct Batch {
  // One [B, C, H, W] float32 tensor in [-1, 1] per image of an example (two for paired
  // and unpaired sets).
  std::vector<Tensor> images;
  Tensor labels;                  // [B] int64 (-1 where the data set has none)
  std::vector<int64_t> indices;   // the data set indices of the batch's examples
};

// The examples at `indices` as one batch; every example must have the same image sizes.
Batch collate(const std::vector<Example>& examples, std::vector<int64_t> indices);

class DataLoader {
 public:
  DataLoader(std::shared_ptr<const Dataset> dataset, LoaderOptions options);
  int64_t batches_per_epoch() const;
  const LoaderOptions& options() const { return options_; }

  // One pass over the data set; destroying it stops and joins its workers.
  class Epoch {
   public:
    ~Epoch();
    Epoch(Epoch&&) noexcept;
    Epoch& operator=(Epoch&&) = delete;
    // The next batch, or nullopt after the last. Rethrows a worker's error (a bad file)
    // when the consumer reaches the batch it belongs to.
    std::optional<Batch> next();

   private:
    friend class DataLoader;
    struct State;
    explicit Epoch(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
  };

  Epoch epoch(uint64_t epoch) const;

 private:
  std::shared_ptr<const Dataset> dataset_;
  LoaderOptions options_;
};

}  // namespace ganforge::data
