// Built without NCCL: CUDA tensors are reduced through host copies over MPI (mpi_group.cpp).
#include <stdexcept>

#include "dist/nccl_communicator.h"

namespace ganforge::dist {

struct NcclCommunicator::State {};

bool built_with_nccl() { return false; }

NcclId NcclCommunicator::make_id() { throw std::logic_error("this build has no NCCL"); }
NcclCommunicator::NcclCommunicator(int, int, const NcclId&) { throw std::logic_error("this build has no NCCL"); }
NcclCommunicator::~NcclCommunicator() = default;
std::unique_ptr<PendingSum> NcclCommunicator::start_sum(const Tensor&) {
  throw std::logic_error("this build has no NCCL");
}
void NcclCommunicator::broadcast(const Tensor&, int) { throw std::logic_error("this build has no NCCL"); }
void select_local_gpu(int) {}  // without NCCL every rank stays on the current GPU

}  // namespace ganforge::dist
