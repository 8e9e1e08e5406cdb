// NCCL's all-reduce and broadcast for CUDA tensors, on a communicator whose id rank 0 makes
// and the MPI group hands to the others. Work is queued on CUDA's legacy default stream, which
// the cuda backend's stream is ordered with both ways (kernels/cuda/device.h): a reduction
// starts after the kernels that made its gradients and finishes before any later kernel reads
// them, with no wait on the host.
#pragma once

#include <array>
#include <memory>

#include "dist/process_group.h"

namespace ganforge::dist {

constexpr size_t kNcclIdBytes = 128;  // NCCL_UNIQUE_ID_BYTES
using NcclId = std::array<char, kNcclIdBytes>;

class NcclCommunicator {
 public:
  static NcclId make_id();  // on rank 0
  NcclCommunicator(int rank, int world, const NcclId& id);
  ~NcclCommunicator();
  NcclCommunicator(const NcclCommunicator&) = delete;
  NcclCommunicator& operator=(const NcclCommunicator&) = delete;

  std::unique_ptr<PendingSum> start_sum(const Tensor& t);
  void broadcast(const Tensor& t, int root);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace ganforge::dist
