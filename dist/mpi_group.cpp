#include "dist/mpi_group.h"

#include <mpi.h>

#include <cstdlib>
#include <limits>
#include <stdexcept>
#include <string>

#include "dist/nccl_communicator.h"

namespace ganforge::dist {
namespace {

void check(int status, const char* what) {
  if (status == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(status, text, &length);
  throw std::runtime_error(std::string(what) + " failed: " + std::string(text, static_cast<size_t>(length)));
}

// MPI counts are ints: a larger buffer is refused, not cut short.
int mpi_count(int64_t n, const char* what) {
  if (n > std::numeric_limits<int>::max())
    throw std::invalid_argument(std::string(what) + ": " + std::to_string(n) +
                                " elements, more than an MPI count holds");
  return static_cast<int>(n);
}

class MpiRequest final : public PendingSum {
 public:
  explicit MpiRequest(MPI_Request request) : request_(request) {}
  void wait() override { check(MPI_Wait(&request_, MPI_STATUS_IGNORE), "MPI_Wait"); }
  void advance() override {
    int done = 0;
    check(MPI_Test(&request_, &done, MPI_STATUS_IGNORE), "MPI_Test");
  }

 private:
  MPI_Request request_;
};

// A tensor of another device reduced through a host copy.
class StagedSum final : public PendingSum {
 public:
  StagedSum(Tensor device, Tensor host, std::unique_ptr<PendingSum> host_sum)
      : device_(std::move(device)), host_(std::move(host)), host_sum_(std::move(host_sum)) {}
  void wait() override {
    host_sum_->wait();
    device_.copy_(host_.to(device_.device()));
  }
  void advance() override { host_sum_->advance(); }

 private:
  Tensor device_, host_;
  std::unique_ptr<PendingSum> host_sum_;
};

void check_summable(const Tensor& t) {
  if (t.dtype() != DType::F32 || !t.is_contiguous())
    throw std::invalid_argument("start_sum: expected a contiguous f32 tensor; got " +
                                std::string(dtype_name(t.dtype())) + (t.is_contiguous() ? "" : ", not contiguous"));
}

class MpiWorldGroup final : public ProcessGroup {
 public:
  MpiWorldGroup() {
    int initialized = 0;
    check(MPI_Initialized(&initialized), "MPI_Initialized");
    if (!initialized) {
      int provided = 0;  // only the training thread calls MPI; the data loader's threads never do
      check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
      std::atexit([] {
        int finalized = 0;
        MPI_Finalized(&finalized);
        if (!finalized) MPI_Finalize();
      });
    }
    check(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
    check(MPI_Comm_rank(MPI_COMM_WORLD, &rank_), "MPI_Comm_rank");
    check(MPI_Comm_size(MPI_COMM_WORLD, &world_), "MPI_Comm_size");
    MPI_Comm node;  // the ranks sharing this machine: this rank's position among them picks its GPU
    check(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node),
          "MPI_Comm_split_type");
    check(MPI_Comm_rank(node, &local_rank_), "MPI_Comm_rank");
    MPI_Comm_free(&node);
  }

  int rank() const override { return rank_; }
  int world() const override { return world_; }
  int local_rank() const override { return local_rank_; }
  std::string transport(DeviceType device) const override {
    if (device == DeviceType::CPU) return "mpi";
    return device == DeviceType::CUDA && built_with_nccl() ? "nccl" : "mpi through host copies";
  }

  std::unique_ptr<PendingSum> start_sum(const Tensor& t) override {
    check_summable(t);
    switch (t.device().type) {
      case DeviceType::CPU: {
        MPI_Request request;
        check(MPI_Iallreduce(MPI_IN_PLACE, t.data_ptr(), mpi_count(t.numel(), "start_sum"), MPI_FLOAT, MPI_SUM,
                             MPI_COMM_WORLD, &request),
              "MPI_Iallreduce");
        return std::make_unique<MpiRequest>(request);
      }
      case DeviceType::CUDA:
        if (built_with_nccl()) return nccl().start_sum(t);
        [[fallthrough]];
      default: {
        Tensor host = t.to(Device{});
        return std::make_unique<StagedSum>(t, host, start_sum(host));
      }
    }
  }

  void broadcast(const Tensor& t, int root) override {
    if (!t.is_contiguous()) throw std::invalid_argument("broadcast: expected a contiguous tensor");
    if (t.device().type == DeviceType::CUDA && built_with_nccl()) return nccl().broadcast(t, root);
    if (t.device().type != DeviceType::CPU) {
      Tensor host = t.to(Device{}), target = t;
      broadcast(host, root);
      target.copy_(host.to(t.device()));
      return;
    }
    const int64_t bytes = t.numel() * static_cast<int64_t>(dtype_size(t.dtype()));
    check(MPI_Bcast(t.data_ptr(), mpi_count(bytes, "broadcast"), MPI_BYTE, root, MPI_COMM_WORLD), "MPI_Bcast");
  }

  int64_t max(int64_t value) override {
    int64_t result = 0;
    check(MPI_Allreduce(&value, &result, 1, MPI_INT64_T, MPI_MAX, MPI_COMM_WORLD), "MPI_Allreduce");
    return result;
  }

 protected:
  void abort_every_rank(int code) override { MPI_Abort(MPI_COMM_WORLD, code); }

 private:
  // Made at the first CUDA collective: every rank reaches it at the same step.
  NcclCommunicator& nccl() {
    if (!nccl_) {
      NcclId id{};
      if (rank_ == 0) id = NcclCommunicator::make_id();
      check(MPI_Bcast(id.data(), static_cast<int>(id.size()), MPI_BYTE, 0, MPI_COMM_WORLD), "MPI_Bcast of the NCCL id");
      nccl_ = std::make_unique<NcclCommunicator>(rank_, world_, id);
    }
    return *nccl_;
  }

  int rank_ = 0, world_ = 1, local_rank_ = 0;
  std::unique_ptr<NcclCommunicator> nccl_;
};

}  // namespace

bool built_with_mpi() { return true; }

std::unique_ptr<ProcessGroup> make_mpi_world_group() { return std::make_unique<MpiWorldGroup>(); }

}  // namespace ganforge::dist
