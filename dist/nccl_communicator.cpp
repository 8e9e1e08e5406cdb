#include "dist/nccl_communicator.h"

#include <cuda_runtime.h>
#include <nccl.h>

#include <cstring>
#include <stdexcept>
#include <string>

namespace ganforge::dist {
namespace {

static_assert(kNcclIdBytes == NCCL_UNIQUE_ID_BYTES);

void check(ncclResult_t status, const char* what) {
  if (status != ncclSuccess) throw std::runtime_error(std::string(what) + " failed: " + ncclGetErrorString(status));
}

void check(cudaError_t status, const char* what) {
  if (status != cudaSuccess) throw std::runtime_error(std::string(what) + " failed: " + cudaGetErrorString(status));
}

// Queued on the legacy default stream, ordered with every later kernel: nothing to wait for.
class Queued final : public PendingSum {
 public:
  void wait() override {}
};

}  // namespace

struct NcclCommunicator::State {
  ncclComm_t comm = nullptr;
};

bool built_with_nccl() { return true; }

NcclId NcclCommunicator::make_id() {
  ncclUniqueId id;
  check(ncclGetUniqueId(&id), "ncclGetUniqueId");
  NcclId bytes;
  std::memcpy(bytes.data(), id.internal, bytes.size());
  return bytes;
}

NcclCommunicator::NcclCommunicator(int rank, int world, const NcclId& id) : state_(std::make_unique<State>()) {
  ncclUniqueId unique;
  std::memcpy(unique.internal, id.data(), id.size());
  check(ncclCommInitRank(&state_->comm, world, unique, rank), "ncclCommInitRank");
}

NcclCommunicator::~NcclCommunicator() {
  if (state_->comm != nullptr) ncclCommDestroy(state_->comm);
}

std::unique_ptr<PendingSum> NcclCommunicator::start_sum(const Tensor& t) {
  check(ncclAllReduce(t.data_ptr(), t.data_ptr(), static_cast<size_t>(t.numel()), ncclFloat32, ncclSum, state_->comm,
                      cudaStreamLegacy),
        "ncclAllReduce");
  return std::make_unique<Queued>();
}

void NcclCommunicator::broadcast(const Tensor& t, int root) {
  const size_t bytes = static_cast<size_t>(t.numel()) * dtype_size(t.dtype());
  check(ncclBroadcast(t.data_ptr(), t.data_ptr(), bytes, ncclUint8, root, state_->comm, cudaStreamLegacy),
        "ncclBroadcast");
}

void select_local_gpu(int local_rank) {
  int count = 0;
  check(cudaGetDeviceCount(&count), "cudaGetDeviceCount");
  if (count == 0) throw std::runtime_error("select_local_gpu: this machine has no CUDA device");
  check(cudaSetDevice(local_rank % count), "cudaSetDevice");
}

}  // namespace ganforge::dist
