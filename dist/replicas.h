// Keeping the replicas of a model equal: rank 0's parameters and buffers copied to every rank
// at start, and batch norm synchronised across ranks (--sync-bn).
#pragma once

#include "dist/process_group.h"
#include "nn/module.h"

namespace ganforge::dist {

// Every parameter and buffer of `module` becomes rank 0's.
void broadcast_from_rank0(ProcessGroup& group, nn::Module& module);

// The sum of `t` over the ranks, as an autograd op: its gradient is the sum of every rank's
// gradient of it (each rank's output is one term of every rank's loss).
Tensor sum_across_ranks(ProcessGroup& group, const Tensor& t);

// Makes every BatchNorm in `module` normalise with the statistics of all ranks' batches (as
// PyTorch's SyncBatchNorm.convert_sync_batchnorm); returns how many it changed. With one rank
// it changes nothing.
int sync_batch_norm(ProcessGroup& group, nn::Module& module);

}  // namespace ganforge::dist
