#include "dist/process_group.h"

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "dist/mpi_group.h"

namespace ganforge::dist {
namespace {

class Done final : public PendingSum {
 public:
  void wait() override {}
};

class SingleProcessGroup final : public ProcessGroup {
 public:
  int rank() const override { return 0; }
  int world() const override { return 1; }
  int local_rank() const override { return 0; }
  std::string transport(DeviceType) const override { return "single process"; }
  std::unique_ptr<PendingSum> start_sum(const Tensor&) override { return std::make_unique<Done>(); }
  void broadcast(const Tensor&, int) override {}
  int64_t max(int64_t value) override { return value; }

 protected:
  void abort_every_rank(int) override {}
};

// The variable a launcher sets, when one started this process: OpenMPI's mpirun, MPICH's and
// Intel MPI's (PMI), Slurm's srun through PMIx.
const char* launcher_variable() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
    if (std::getenv(name) != nullptr) return name;
  return nullptr;
}

std::unique_ptr<ProcessGroup> make_world_group() {
  const char* launched_by = launcher_variable();
  if (launched_by == nullptr) return std::make_unique<SingleProcessGroup>();
  if (!built_with_mpi())
    throw std::runtime_error(
        std::string("this process was started by an MPI launcher (") + launched_by + " is set), but " +
        "this build of GANForge has no MPI: every rank would train alone into the same run folder. "
        "Install OpenMPI (apt-get install libopenmpi-dev openmpi-bin) and rebuild");
  return make_mpi_world_group();
}

}  // namespace

void ProcessGroup::abort(int code) {
  std::fflush(nullptr);
  abort_every_rank(code);
  std::_Exit(code);
}

ProcessGroup& world_group() {
  static const std::unique_ptr<ProcessGroup> group = make_world_group();
  return *group;
}

}  // namespace ganforge::dist
