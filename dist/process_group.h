// A process group: the ranks that train one model together, and the collectives data-parallel
// training needs (sum, broadcast, max). The transport is the field's: MPI launches the ranks
// and reduces host memory; NCCL reduces GPU memory, its communicator set up over MPI.
//
// A process started by mpirun (or any launcher that sets OpenMPI's, MPICH's or PMIx's rank
// variables) joins MPI's world; any other process is a group of one, without MPI.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/tensor.h"

namespace ganforge::dist {

// A sum started by ProcessGroup::start_sum; wait() returns once the tensor holds it.
class PendingSum {
 public:
  virtual ~PendingSum() = default;
  virtual void wait() = 0;
  // Lets the transfer advance without waiting (MPI moves a nonblocking collective along only
  // inside MPI calls, when it has no progress thread).
  virtual void advance() {}
};

class ProcessGroup {
 public:
  virtual ~ProcessGroup() = default;
  virtual int rank() const = 0;
  virtual int world() const = 0;
  virtual int local_rank() const = 0;  // among the ranks on this machine (which GPU it takes)
  // How the collectives on tensors of `device` travel: "mpi", "nccl", "mpi through host copies"
  // (one process: "single process").
  virtual std::string transport(DeviceType device) const = 0;

  // Starts summing a contiguous f32 tensor over the ranks, in place: once wait() returns, every
  // rank's tensor holds the same sum. CPU tensors go through MPI, CUDA tensors through NCCL
  // (stream-ordered with the kernels, so wait() does not block the host); other devices are
  // copied to the host and back.
  virtual std::unique_ptr<PendingSum> start_sum(const Tensor& t) = 0;
  void sum(const Tensor& t) { start_sum(t)->wait(); }
  // Every rank's tensor (contiguous, of any dtype) becomes root's.
  virtual void broadcast(const Tensor& t, int root) = 0;
  // The largest of every rank's value (agreeing to stop, checking that every rank sees the same data).
  virtual int64_t max(int64_t value) = 0;
  // Ends every rank of the job at once (after one rank's error), with `code`.
  [[noreturn]] void abort(int code);

 protected:
  virtual void abort_every_rank(int code) = 0;  // may return once the others are told
};

// The group of this process: MPI's world when a launcher started it, else a group of one.
ProcessGroup& world_group();

// Makes the GPU numbered local_rank (modulo the GPUs this machine has) the current one, before
// any CUDA work: the ranks on one machine each train on their own GPU.
void select_local_gpu(int local_rank);

// Whether this build can reduce over MPI and NCCL.
bool built_with_mpi();
bool built_with_nccl();

}  // namespace ganforge::dist
